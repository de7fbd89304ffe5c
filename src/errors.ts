import { randomBytes } from 'node:crypto';

/**
 * Errors safe to show to a user (bad input, not found, not allowed). Everything else is logged
 * with a reference and shown only as "failed, ref abc123".
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    /** Optional hint such as a usage line. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function newRef(): string {
  return randomBytes(4).toString('hex');
}
