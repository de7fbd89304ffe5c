/** Request-body parsing for the fake Slack server: urlencoded forms, JSON and multipart/form-data. */

export interface MultipartPart {
  name?: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export type ParsedBody =
  | { kind: 'form'; fields: Record<string, unknown> }
  | { kind: 'json'; fields: Record<string, unknown> }
  | { kind: 'multipart'; fields: Record<string, unknown>; parts: MultipartPart[] }
  | { kind: 'raw'; fields: Record<string, unknown>; data: Buffer }
  | { kind: 'invalid'; error: 'invalid_json' | 'invalid_form_data' };

/** Form fields Slack expects as JSON strings inside a urlencoded/multipart body. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'files', 'metadata']);

function decodeJsonFields(fields: Record<string, unknown>): Record<string, unknown> {
  for (const key of JSON_FIELDS) {
    const v = fields[key];
    if (typeof v !== 'string') continue;
    try {
      fields[key] = JSON.parse(v) as unknown;
    } catch {
      // Slack answers invalid_blocks_format / invalid_arguments; the caller decides which.
      fields[`${key}__unparsable`] = v;
      delete fields[key];
    }
  }
  return fields;
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function parseMultipart(contentType: string, raw: Buffer): MultipartPart[] | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return undefined;
  const delim = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = raw.indexOf(delim);
  if (pos < 0) return undefined;
  while (pos >= 0) {
    const start = pos + delim.length;
    if (raw.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    const next = raw.indexOf(delim, start);
    if (next < 0) break;
    // The part sits between CRLF after the delimiter and CRLF before the next one.
    const chunk = raw.subarray(start + 2, next - 2);
    const sep = chunk.indexOf('\r\n\r\n');
    if (sep >= 0) {
      const head = chunk.subarray(0, sep).toString('utf8');
      const data = Buffer.from(chunk.subarray(sep + 4));
      const part: MultipartPart = { data };
      const disp = /content-disposition:([^\r\n]*)/i.exec(head)?.[1] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disp)?.[1];
      const filename = /\bfilename="([^"]*)"/i.exec(disp)?.[1];
      const ctype = /content-type:\s*([^\r\n]*)/i.exec(head)?.[1];
      if (name !== undefined) part.name = name;
      if (filename !== undefined) part.filename = filename;
      if (ctype !== undefined) part.contentType = ctype.trim();
      parts.push(part);
    }
    pos = next;
  }
  return parts;
}

export function parseBody(contentType: string | undefined, raw: Buffer): ParsedBody {
  const type = mediaType(contentType);
  if (type === 'application/json') {
    if (raw.length === 0) return { kind: 'json', fields: {} };
    try {
      const v = JSON.parse(raw.toString('utf8')) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        return { kind: 'invalid', error: 'invalid_json' };
      return { kind: 'json', fields: v as Record<string, unknown> };
    } catch {
      return { kind: 'invalid', error: 'invalid_json' };
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) fields[k] = v;
    return { kind: 'form', fields: decodeJsonFields(fields) };
  }
  if (type === 'multipart/form-data') {
    const parts = parseMultipart(contentType ?? '', raw);
    if (!parts) return { kind: 'invalid', error: 'invalid_form_data' };
    const fields: Record<string, unknown> = {};
    for (const p of parts) {
      if (p.name !== undefined && p.filename === undefined) fields[p.name] = p.data.toString('utf8');
    }
    return { kind: 'multipart', fields: decodeJsonFields(fields), parts };
  }
  return { kind: 'raw', fields: {}, data: raw };
}

/** Slack form values are strings; JSON bodies may carry real booleans/numbers. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}
