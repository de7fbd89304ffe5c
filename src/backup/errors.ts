/** The destination cannot be written (not writable, full, bucket missing): the message says what to fix. */
export class DestinationError extends Error {
  override name = 'DestinationError';
}

/**
 * A backup step failed in a way the message explains (target unreachable, tool too old, verification
 * failed); shown to the user, already redacted by the caller.
 */
export class BackupError extends Error {
  override name = 'BackupError';
}
