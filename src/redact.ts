/**
 * One redaction module for logs, job data, command output and error messages.
 * Known secret values (from the configuration) are replaced wherever they occur; secret-shaped
 * text (passwords in URLs and query strings, bearer tokens, JWTs, Slack tokens, AWS access keys,
 * private keys) is replaced by pattern.
 */

export const REDACTED = '[REDACTED]';

/** Names whose value is a secret in key=value, key: value and JSON forms (query strings, DSNs, logs). */
const KEYS =
  '(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key|client[_-]?secret|private[_-]?key|signature|x-amz-credential|credentials?)';

const PATTERNS: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  // PEM private keys, whole block.
  [/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END \1PRIVATE KEY\2-----|$)/g, REDACTED],
  // user:password@ in URLs (any scheme). A match starts at `://` (the scheme is checked behind it, at
  // most 32 characters) and the userinfo cannot contain `/`, so no character is scanned twice from
  // different starts: linear in the input (an unbounded scheme in front made it quadratic).
  [/(?<=[a-z][a-z0-9+.-]{0,31}):\/\/([^\s:/?#@]*):[^\s@/?#]+@/gi, `://$1:${REDACTED}@`],
  // Go-style DSNs without a scheme: user:password@tcp(host:3306)/db. A candidate starts only after a
  // delimiter and runs to the next one, so candidates never overlap; the user:password split is done
  // in code (see goDsn).
  [/(?<=^|[\s@/])[^\s@/]+@(?=(?:tcp|unix)\()/g, (m: string) => goDsn(m)],
  // `{n}x*` rather than `{n,}`: V8 runs the former as a tight loop; the latter costs ~40x on long runs.
  // Authorization headers and bearer tokens.
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8}[A-Za-z0-9._~+/=-]*/gi, `$1 ${REDACTED}`],
  // JWTs.
  [
    /\beyJ[A-Za-z0-9_-]{5}[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{5}[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{5}[A-Za-z0-9_-]*/g,
    REDACTED,
  ],
  // Slack tokens.
  [/\bxox[abposr]-[A-Za-z0-9-]{8}[A-Za-z0-9-]*/g, REDACTED],
  [/\bxapp-[A-Za-z0-9-]{8}[A-Za-z0-9-]*/g, REDACTED],
  // AWS-style access key ids and secret keys given as key=value.
  [/(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Z0-9])/g, REDACTED],
  // GitHub tokens.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{36}[A-Za-z0-9]*|github_pat_[A-Za-z0-9_]{22}[A-Za-z0-9_]*)/g, REDACTED],
  // password=..., secret: ..., token=..., api_key=... in query strings, logs, DSNs and JSON.
  // Quoted values may hold spaces: "password": "correct horse battery staple".
  // An unterminated quote redacts to the end of the line: a closing quote that must be found would
  // make every later key rescan the rest of the text (quadratic on `password="password="…`).
  [new RegExp(`(${KEYS}["']?\\s*[:=]\\s*)"(?:[^"\\\\\\n]|\\\\.)*"?`, 'gi'), `$1"${REDACTED}"`],
  [new RegExp(`(${KEYS}["']?\\s*[:=]\\s*)'[^'\\n]*'?`, 'gi'), `$1'${REDACTED}'`],
  [new RegExp(`(${KEYS}["']?\\s*[:=]\\s*)(?!["'])([^\\s&"',;}]+)`, 'gi'), `$1${REDACTED}`],
];

export type Redactor = (text: string) => string;

/** `app:secret@` (a DSN candidate) → `app:[REDACTED]@`: the password follows the first `user:`. */
function goDsn(candidate: string): string {
  const m = /[\w.-]:/.exec(candidate);
  if (!m || m.index + 2 >= candidate.length - 1) return candidate;
  return `${candidate.slice(0, m.index + 2)}${REDACTED}@`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Builds a redactor that removes the given literal secrets and extra patterns (regular expressions
 * from the configuration) besides the built-in ones.
 */
export function createRedactor(
  secrets: readonly string[] = [],
  extraPatterns: readonly string[] = [],
): Redactor {
  const literal = secrets
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp);
  const literalRe = literal.length > 0 ? new RegExp(literal.join('|'), 'g') : undefined;
  const extra = extraPatterns.map((p) => new RegExp(p, 'g'));
  return (text: string) => {
    if (!text) return text;
    let out = literalRe ? text.replace(literalRe, REDACTED) : text;
    for (const [re, replacement] of PATTERNS) {
      out = typeof replacement === 'string' ? out.replace(re, replacement) : out.replace(re, replacement);
    }
    for (const re of extra) out = out.replace(re, REDACTED);
    return out;
  };
}

/** Redacts every string inside a JSON-like value, returning a copy. */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, redact);
    return out as T;
  }
  return value;
}

/** How far past the display size `clip` cuts, and then backs off to drop a token the cut went through. */
const CLIP_MARGIN = 256;

/**
 * Cuts external text (alert annotations and labels, log lines, query text) to about what Slack can
 * show, BEFORE it is redacted, escaped or rendered: the work done on it is then bounded by `max`, not
 * by what the outside sent. The cut is made CLIP_MARGIN characters past `max`, and the token it went
 * through (maybe the first half of a secret, which the patterns would no longer recognise) is dropped
 * whole: back to the last whitespace, or back to `max` when there is none. `…` marks the cut; renderers
 * truncate the redacted, escaped result to their exact limits afterwards.
 */
export function clip(text: string, max: number): string {
  const end = max + CLIP_MARGIN;
  if (text.length <= end) return text;
  let i = end - 1;
  while (i >= max && !/\s/.test(text[i] as string)) i -= 1;
  let cut = text.slice(0, Math.max(i, max));
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** External text as the bot shows it: cut first (see clip), then redacted. */
export function redactClipped(redact: Redactor, text: string, max: number): string {
  return redact(clip(text, max));
}
