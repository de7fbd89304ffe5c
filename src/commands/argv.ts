/** Slash-command text split into positional words and `--flags`, before a command's zod schema. */
export interface ParsedArgv {
  positional: string[];
  flags: Record<string, string | true>;
}

export type FlagSpec = Record<string, 'string' | 'boolean'>;

export class ArgvError extends Error {
  constructor(
    readonly key: 'unknownFlag' | 'missingValue' | 'unclosedQuote',
    readonly detail: Record<string, string> = {},
  ) {
    super(key);
  }
}

/** Splits on whitespace, honouring "double", 'single' and “full-width” quotes. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inToken = false;
  const closing: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’' };
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch in closing) {
      quote = closing[ch];
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (quote) throw new ArgvError('unclosedQuote');
  if (inToken) tokens.push(current);
  return tokens;
}

/** `--name value`, `--name=value`, boolean `--name`; `--` ends flags. Unknown flags are errors. */
export function parseArgv(text: string, spec: FlagSpec = {}): ParsedArgv {
  // Slack clients turn "--" into an em dash; accept it.
  const tokens = tokenize(text.replace(/[—–]/g, '--'));
  const out: ParsedArgv = { positional: [], flags: {} };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === '--') {
      out.positional.push(...tokens.slice(i + 1));
      break;
    }
    if (!token.startsWith('--') || token.length === 2) {
      out.positional.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = (eq > 0 ? token.slice(2, eq) : token.slice(2)).toLowerCase();
    const kind = spec[name];
    if (!kind) throw new ArgvError('unknownFlag', { flag: name });
    if (kind === 'boolean') {
      out.flags[name] = true;
      continue;
    }
    const value = eq > 0 ? token.slice(eq + 1) : tokens[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) {
      throw new ArgvError('missingValue', { flag: name });
    }
    out.flags[name] = value;
  }
  return out;
}
