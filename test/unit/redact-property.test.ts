import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { displaySql, oneLine } from '../../src/diagnostics/text.ts';
import { createRedactor, REDACTED } from '../../src/redact.ts';

const redact = createRedactor(['configured-literal-secret'], ['LJ-[0-9a-f]{12}']);

const chars = (alphabet: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength: min, maxLength: max });
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64URL = `${ALNUM}_-`;

/** Text around a secret: any characters, including CJK, newlines and JSON punctuation. */
const noise = fc.string({ maxLength: 60, unit: 'grapheme' });

/** A generated secret and the text it appears in, as it would in a log line. */
type Case = { secret: string; text: string };

const urlPassword = fc
  .record({
    scheme: fc.constantFrom(
      'postgres',
      'postgresql',
      'redis',
      'rediss',
      'mysql',
      'amqp',
      'https',
      'mongodb+srv',
    ),
    user: chars(`${ALNUM}_.-`, 0, 12),
    password: chars(`${ALNUM}._~!$&'()*+,;=:%-`, 8, 24),
    host: fc.constantFrom('db', 'cache.internal:6379', '10.0.0.5:5432'),
  })
  .map(
    ({ scheme, user, password, host }): Case => ({
      secret: password,
      text: `${scheme}://${user}:${password}@${host}/app`,
    }),
  );

const queryPassword = fc
  .record({
    key: fc.constantFrom(
      'password',
      'passwd',
      'token',
      'access_token',
      'api_key',
      'apikey',
      'secret',
      'client_secret',
      'X-Amz-Signature',
      'X-Amz-Credential',
    ),
    value: chars(`${ALNUM}._~%-`, 8, 40),
  })
  .map(
    ({ key, value }): Case => ({
      secret: value,
      text: `https://api.example.com/v1/items?id=7&${key}=${value}&page=2`,
    }),
  );

const jsonPassword = fc
  .record({
    key: fc.constantFrom('password', 'db_password', 'secret', 'privateKey', 'api-key', 'passphrase'),
    words: fc.array(chars(ALNUM, 4, 10), { minLength: 1, maxLength: 4 }),
  })
  .map(
    ({ key, words }): Case => ({
      secret: words.join(' '),
      text: `{"user":"app","${key}": "${words.join(' ')}"}`,
    }),
  )
  .filter((c) => c.secret.length >= 8);

const bearer = chars(`${ALNUM}._~+/-`, 16, 60).map(
  (token): Case => ({ secret: token, text: `Authorization: Bearer ${token}` }),
);

const jwt = fc
  .tuple(chars(B64URL, 10, 40), chars(B64URL, 10, 80), chars(B64URL, 16, 43))
  .map(([h, p, s]): Case => {
    const token = `eyJ${h}.eyJ${p}.${s}`;
    return { secret: token, text: `jwt=${token}`.replace('jwt=', 'session ') };
  });

const awsKey = fc
  .tuple(fc.constantFrom('AKIA', 'ASIA'), chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 16))
  .map(([p, rest]): Case => ({ secret: `${p}${rest}`, text: `aws key ${p}${rest} used` }));

const awsSecret = chars(`${ALNUM}+/`, 40, 40).map(
  (s): Case => ({ secret: s, text: `aws_secret_access_key = ${s}` }),
);

const privateKey = fc
  .record({
    kind: fc.constantFrom('', 'RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED '),
    lines: fc.array(chars(`${ALNUM}+/`, 64, 64), { minLength: 2, maxLength: 5 }),
    escaped: fc.boolean(),
  })
  .map(({ kind, lines, escaped }): Case => {
    const nl = escaped ? '\\n' : '\n';
    return {
      secret: lines[1] as string,
      text: `-----BEGIN ${kind}PRIVATE KEY-----${nl}${lines.join(nl)}${nl}-----END ${kind}PRIVATE KEY-----`,
    };
  });

const goDsn = chars(`${ALNUM}!$%^*-`, 8, 20).map(
  (pw): Case => ({ secret: pw, text: `dsn app:${pw}@tcp(mysql:3306)/laojun?parseTime=true` }),
);

const configured = chars('0123456789abcdef', 12, 12).map(
  (hex): Case => ({ secret: `LJ-${hex}`, text: `internal LJ-${hex}` }),
);

const anySecret = fc.oneof(
  urlPassword,
  queryPassword,
  jsonPassword,
  bearer,
  jwt,
  awsKey,
  awsSecret,
  privateKey,
  goDsn,
  configured,
);

describe('redaction (property-based)', () => {
  it('never lets a generated secret embedded in random text through', () => {
    fc.assert(
      fc.property(noise, anySecret, noise, (before, c, after) => {
        const out = redact(`${before} ${c.text} ${after}`);
        expect(out).not.toContain(c.secret);
        expect(out).toContain(REDACTED);
      }),
      { numRuns: 3_000 },
    );
  });

  it('still removes secrets when the text is then collapsed and truncated for display', () => {
    fc.assert(
      fc.property(noise, anySecret, fc.integer({ min: 10, max: 200 }), (before, c, max) => {
        const out = oneLine(`${before}\n${c.text}\n${before}`, redact, max);
        expect(out).not.toContain(c.secret);
        // Truncation never leaves a tail of the secret long enough to matter.
        expect(out).not.toContain(c.secret.slice(0, 12));
      }),
      { numRuns: 1_000 },
    );
  });

  it('removes every secret when several appear in one text', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(noise, anySecret), { minLength: 2, maxLength: 5 }), (parts) => {
        const out = redact(parts.map(([n, c]) => `${n} ${c.text}`).join(' | '));
        for (const [, c] of parts) expect(out).not.toContain(c.secret);
      }),
      { numRuns: 500 },
    );
  });

  it('masks SQL literals before display, so passwords in utility statements do not show', () => {
    fc.assert(
      fc.property(chars(`${ALNUM} !@#$%^&*()`, 8, 30), fc.integer({ min: 40, max: 240 }), (pw, max) => {
        const sql = `ALTER ROLE app WITH LOGIN PASSWORD '${pw.replaceAll("'", "''")}' VALID UNTIL 'infinity'`;
        const out = displaySql(sql, redact, max);
        expect(out).not.toContain(pw);
        expect(out).toContain("PASSWORD '?'");
      }),
      { numRuns: 500 },
    );
  });

  it('leaves ordinary text alone', () => {
    fc.assert(
      fc.property(chars(`${ALNUM} ,.`, 0, 80), (s) => {
        fc.pre(!/(AKIA|ASIA|eyJ|bearer|basic|xox|gh[pousr]_)/i.test(s));
        expect(redact(s)).toBe(s);
      }),
    );
  });
});
