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
  // user:password@ in URLs (any scheme).
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s@/?#]+@/gi, `$1${REDACTED}@`],
  // Go-style DSNs without a scheme: user:password@tcp(host:3306)/db.
  [/([\w.-]+:)[^\s@/]+@(?=(?:tcp|unix)\()/g, `$1${REDACTED}@`],
  // Authorization headers and bearer tokens.
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // JWTs.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, REDACTED],
  // Slack tokens.
  [/\bxox[abposr]-[A-Za-z0-9-]{8,}/g, REDACTED],
  [/\bxapp-[A-Za-z0-9-]{8,}/g, REDACTED],
  // AWS-style access key ids and secret keys given as key=value.
  [/(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Z0-9])/g, REDACTED],
  // GitHub tokens.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g, REDACTED],
  // password=..., secret: ..., token=..., api_key=... in query strings, logs, DSNs and JSON.
  // Quoted values may hold spaces: "password": "correct horse battery staple".
  [new RegExp(`(${KEYS}["']?\\s*[:=]\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1"${REDACTED}"`],
  [new RegExp(`(${KEYS}["']?\\s*[:=]\\s*)'[^']*'`, 'gi'), `$1'${REDACTED}'`],
  [new RegExp(`(${KEYS}["']?\\s*[:=]\\s*)(?!["'])([^\\s&"',;}]+)`, 'gi'), `$1${REDACTED}`],
];

export type Redactor = (text: string) => string;

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
      out = out.replace(re, replacement as string);
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
