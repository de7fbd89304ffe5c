import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED } from '../../src/redact.ts';

describe('redaction', () => {
  const redact = createRedactor(['xoxb-configured-secret', 'hunter2-long-password']);

  it.each([
    ['postgres://laojun:p%40ss@db:5432/laojun', 'p%40ss'],
    ['GET /login?user=a&password=Secr3t!&x=1', 'Secr3t!'],
    ['Authorization: Bearer abcdefghijklmnop123', 'abcdefghijklmnop123'],
    ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fwpM', 'eyJhbGciOiJIUzI1NiJ9'],
    ['aws key AKIAIOSFODNN7EXAMPLE used', 'AKIAIOSFODNN7EXAMPLE'],
    ['aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----', 'MIIEabc'],
    ['slack xoxb-1234-5678-abcdefgh', 'xoxb-1234-5678-abcdefgh'],
    ['configured xoxb-configured-secret here', 'xoxb-configured-secret'],
    ['{"password":"hunter2-long-password"}', 'hunter2-long-password'],
  ])('removes the secret from %s', (text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('leaves ordinary text alone', () => {
    const text = '服务 laojun-admin-api 在实例 10.0.0.5:8080 上已停止超过1分钟 (ServiceDown)';
    expect(redact(text)).toBe(text);
  });

  it('never lets a configured secret through, wherever it is embedded', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8, maxLength: 40 }).filter((s) => s.trim().length >= 8),
        fc.string(),
        fc.string(),
        (secret, before, after) => {
          const r = createRedactor([secret]);
          expect(r(`${before}${secret}${after}`)).not.toContain(secret);
        },
      ),
      { numRuns: 300 },
    );
  });
});
