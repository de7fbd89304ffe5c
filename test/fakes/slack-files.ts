/** files.uploadV2 flow of the fake Slack server: getUploadURLExternal, the upload_url, completeUploadExternal. */
import { validateBlocks } from './block-kit-rules.ts';
import { parseBody, str } from './http-body.ts';
import { type ApiResult, apiError } from './slack-result.ts';
import type { FakeMessage, FakeUpload } from './slack-types.ts';

interface Pending {
  filename: string;
  length: number;
  upload?: FakeUpload;
}

export interface Upstate {
  pending: Map<string, Pending>;
  uploads: FakeUpload[];
  nextId: number;
}

export interface FileContext {
  baseUrl: string;
  findTop(channel: string, ts: string): FakeMessage | undefined;
}

function getUploadUrl(s: Upstate, b: Record<string, unknown>, ctx: FileContext): ApiResult {
  const filename = str(b.filename) ?? '';
  if (!filename) return apiError('invalid_arguments', ['missing required field: filename']);
  const lengthStr = str(b.length);
  if (lengthStr === undefined) return apiError('invalid_arguments', ['missing required field: length']);
  const length = Number(lengthStr);
  if (!Number.isInteger(length) || length < 0) {
    return apiError('invalid_arguments', ['length must be an integer number of bytes']);
  }
  // Slack documents missing_argument for length 0.
  if (length === 0) return apiError('missing_argument');
  const fileId = `F${String(s.nextId++).padStart(10, '0')}`;
  s.pending.set(fileId, { filename, length });
  return { body: { ok: true, upload_url: `${ctx.baseUrl}/upload/${fileId}`, file_id: fileId } };
}

function completeUpload(s: Upstate, b: Record<string, unknown>, ctx: FileContext): ApiResult {
  if (b.files__unparsable !== undefined || !Array.isArray(b.files) || b.files.length === 0) {
    return apiError('invalid_arguments', ['files must be a JSON array of {id, title}']);
  }
  const entries: Array<{ id: string; title?: string; pending: Pending; upload: FakeUpload }> = [];
  for (const f of b.files as unknown[]) {
    const id = typeof f === 'object' && f !== null ? str((f as Record<string, unknown>).id) : undefined;
    const pending = id ? s.pending.get(id) : undefined;
    // Slack: "file_not_found: Could not find the file from the upload ticket."
    if (!id || !pending?.upload || pending.upload.completed) return apiError('file_not_found');
    const title = str((f as Record<string, unknown>).title);
    entries.push({ id, pending, upload: pending.upload, ...(title !== undefined ? { title } : {}) });
  }
  const channel = str(b.channel_id) ?? str(b.channels);
  if (channel?.includes(',')) return apiError('invalid_arguments', ['only one channel per upload']);
  const threadTs = str(b.thread_ts);
  if (threadTs && (!channel || !ctx.findTop(channel, threadTs))) return apiError('thread_not_found');
  if (b.blocks__unparsable !== undefined) return apiError('invalid_blocks_format');
  if (b.blocks !== undefined) {
    const verdict = validateBlocks(b.blocks);
    if (!verdict.ok) return apiError(verdict.error, verdict.errors);
  }
  const comment = str(b.initial_comment);
  const out: Record<string, unknown>[] = [];
  for (const e of entries) {
    const u = e.upload;
    u.completed = true;
    if (e.title !== undefined) u.title = e.title;
    if (channel) u.channel = channel;
    if (threadTs) u.thread_ts = threadTs;
    if (comment !== undefined) u.initial_comment = comment;
    out.push({ id: e.id, name: u.filename, title: u.title ?? u.filename, size: u.bytes.length });
  }
  return { body: { ok: true, files: out } };
}

export function handleFileMethod(
  s: Upstate,
  method: string,
  b: Record<string, unknown>,
  ctx: FileContext,
): ApiResult {
  switch (method) {
    case 'files.getUploadURLExternal':
      return getUploadUrl(s, b, ctx);
    case 'files.completeUploadExternal':
      return completeUpload(s, b, ctx);
    case 'files.upload':
      // Retired on 2025-11-12: use files.uploadV2 (getUploadURLExternal + completeUploadExternal).
      return apiError('method_deprecated');
    default:
      return apiError('unknown_method');
  }
}

/** POST on an upload_url: raw bytes or multipart; answers `OK - <bytes>` like Slack's file service. */
export function handleUpload(
  s: Upstate,
  fileId: string,
  contentType: string | undefined,
  raw: Buffer,
): ApiResult {
  const pending = s.pending.get(fileId);
  if (!pending) return { status: 404, body: 'file_not_found', error: 'file_not_found' };
  if (pending.upload?.completed)
    return { status: 400, body: 'already_completed', error: 'already_completed' };
  const parsed = parseBody(contentType, raw);
  let bytes: Buffer;
  if (parsed.kind === 'multipart') {
    const part =
      parsed.parts.find((p) => p.filename !== undefined) ??
      parsed.parts.find((p) => p.name === 'file' || p.name === 'body') ??
      parsed.parts[0];
    if (!part) return { status: 400, body: 'no_file_data', error: 'no_file_data' };
    bytes = part.data;
  } else if (parsed.kind === 'invalid') {
    return { status: 400, body: parsed.error, error: parsed.error };
  } else {
    bytes = raw;
  }
  if (bytes.length !== pending.length) {
    const error = `length_mismatch: declared ${pending.length}, received ${bytes.length}`;
    return { status: 400, body: error, error: 'length_mismatch' };
  }
  if (pending.upload) {
    pending.upload.bytes = bytes;
  } else {
    pending.upload = { fileId, filename: pending.filename, bytes, completed: false };
    s.uploads.push(pending.upload);
  }
  return { status: 200, body: `OK - ${bytes.length}` };
}
