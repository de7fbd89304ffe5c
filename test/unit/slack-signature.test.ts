import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { refuseUnsigned } from '../../src/http/slack-guard.ts';
import { slackSignature } from '../helpers/slack-sign.ts';

const SECRET = 'unit-signing-secret';
const NOW = Date.UTC(2026, 11, 7, 4, 0, 0);
const TS = Math.floor(NOW / 1000);

function headers(body: string, ts = TS, secret = SECRET) {
  return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(secret, body, ts) };
}

describe("Slack's request signature, checked by the guard", () => {
  const body = 'command=%2Fstatus&text=&user_id=U0SRE';

  it('accepts a body signed with the secret within five minutes', () => {
    expect(refuseUnsigned(Buffer.from(body), headers(body), SECRET, NOW)).toBeUndefined();
    expect(refuseUnsigned(Buffer.from(body), headers(body, TS - 299), SECRET, NOW)).toBeUndefined();
  });

  it('refuses another secret, a changed body or a forged signature, saying which header is wrong', () => {
    const wrongSecret = refuseUnsigned(Buffer.from(body), headers(body, TS, 'other'), SECRET, NOW);
    expect(wrongSecret).toMatchObject({ status: 401, error: 'invalid_signature' });
    expect(wrongSecret?.message).toContain('SLACK_SIGNING_SECRET');
    const changed = refuseUnsigned(Buffer.from(`${body}&text=drop`), headers(body), SECRET, NOW);
    expect(changed).toMatchObject({ status: 401, error: 'invalid_signature' });
    const h = headers(body);
    for (const signature of [
      '',
      'v0=',
      `v1=${h['x-slack-signature'].slice(3)}`,
      h['x-slack-signature'].toUpperCase(),
    ]) {
      expect(
        refuseUnsigned(Buffer.from(body), { ...h, 'x-slack-signature': signature }, SECRET, NOW),
      ).toMatchObject({
        status: 401,
        error: 'invalid_signature',
      });
    }
  });

  it('refuses a missing, malformed, stale or future timestamp before looking at the signature', () => {
    const { 'x-slack-signature': signature } = headers(body);
    for (const ts of [undefined, '', 'soon', '1.5']) {
      const h =
        ts === undefined
          ? { 'x-slack-signature': signature }
          : { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts };
      expect(refuseUnsigned(Buffer.from(body), h, SECRET, NOW)).toMatchObject({
        status: 401,
        error: 'invalid_timestamp',
      });
    }
    const stale = refuseUnsigned(Buffer.from(body), headers(body, TS - 301), SECRET, NOW);
    expect(stale).toMatchObject({ status: 401, error: 'invalid_timestamp' });
    expect(stale?.message).toContain('5 minutes old');
    const future = refuseUnsigned(Buffer.from(body), headers(body, TS + 301), SECRET, NOW);
    expect(future).toMatchObject({ status: 401, error: 'invalid_timestamp' });
    expect(future?.message).toContain('in the future');
    expect(refuseUnsigned(Buffer.from(body), headers(body, TS + 299), SECRET, NOW)).toBeUndefined();
  });

  it('signs the raw bytes, as Slack does, not their decoding', () => {
    // Not valid UTF-8: decoded to a string first, both bytes would become U+FFFD and the HMAC differ.
    const raw = Buffer.concat([Buffer.from('text='), Buffer.from([0xc3, 0x28])]);
    const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${TS}:`).update(raw).digest('hex')}`;
    expect(
      refuseUnsigned(
        raw,
        { 'x-slack-request-timestamp': String(TS), 'x-slack-signature': signature },
        SECRET,
        NOW,
      ),
    ).toBeUndefined();
  });

  it('verifies nothing with an empty secret', () => {
    expect(refuseUnsigned(Buffer.from(body), headers(body, TS, ''), '', NOW)).toMatchObject({ status: 401 });
  });
});
