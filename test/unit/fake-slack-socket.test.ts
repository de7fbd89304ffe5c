import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type FakeSlack, startFakeSlack } from '../fakes/slack-api.ts';
import { eventually } from '../helpers/bot.ts';

/** POSTs apps.connections.open as the Slack SDKs do (token in the Authorization header). */
async function open(fake: FakeSlack, token?: string, body = ''): Promise<Record<string, unknown>> {
  const res = await fetch(`${fake.apiUrl}apps.connections.open`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
  });
  return (await res.json()) as Record<string, unknown>;
}

/** A raw WebSocket client collecting every message it receives. */
async function connect(url: string): Promise<{ ws: WebSocket; messages: Array<Record<string, unknown>> }> {
  const ws = new WebSocket(url);
  const messages: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages };
}

describe('fake Slack Socket Mode', () => {
  let fake: FakeSlack;
  const clients: WebSocket[] = [];
  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterEach(async () => {
    for (const ws of clients.splice(0)) ws.terminate();
    await eventually(() => fake.socket.openConnections().length === 0);
    fake.reset();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('apps.connections.open takes the app-level token from the Authorization header only', async () => {
    expect(await open(fake)).toEqual({ ok: false, error: 'not_authed' });
    expect(await open(fake, undefined, `token=${fake.appToken}`)).toEqual({ ok: false, error: 'not_authed' });
    expect(await open(fake, fake.token)).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await open(fake, 'xapp-1-A0CHATOPS-1-wrong')).toEqual({ ok: false, error: 'invalid_auth' });
    const ok = await open(fake, fake.appToken);
    expect(ok.ok).toBe(true);
    expect(ok.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f]+&app_id=A0CHATOPS$/);
    expect(fake.rejected.map((c) => c.error)).toEqual([
      'not_authed',
      'not_authed',
      'not_allowed_token_type',
      'invalid_auth',
    ]);
  });

  it('refuses the app-level token on Web API methods', async () => {
    const res = await fetch(`${fake.apiUrl}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.appToken}` },
    });
    expect(await res.json()).toEqual({ ok: false, error: 'not_allowed_token_type' });
  });

  it("greets a connection with Slack's hello; a URL works once", async () => {
    const { url } = (await open(fake, fake.appToken)) as { url: string };
    const c = await connect(url);
    clients.push(c.ws);
    const hello = await eventually(() => c.messages[0]);
    expect(hello).toMatchObject({
      type: 'hello',
      num_connections: 1,
      connection_info: { app_id: 'A0CHATOPS' },
      debug_info: { host: expect.any(String), approximate_connection_time: expect.any(Number) },
    });
    expect(fake.socket.openConnections()).toHaveLength(1);
    await expect(connect(url)).rejects.toThrow(/401/);
  });

  it('sends envelopes to the newest connection and records acks; refuses what Slack would', async () => {
    expect(() => fake.socket.send('slash_commands', { command: '/status' })).toThrow(/dispatch_failed/);
    const first = await connect(((await open(fake, fake.appToken)) as { url: string }).url);
    const second = await connect(((await open(fake, fake.appToken)) as { url: string }).url);
    clients.push(first.ws, second.ws);
    await eventually(() => second.messages.length === 1);

    const id = fake.socket.send('slash_commands', { command: '/status', text: '' });
    const envelope = await eventually(() => second.messages.find((m) => m.envelope_id === id));
    expect(envelope).toEqual({
      envelope_id: id,
      type: 'slash_commands',
      payload: { command: '/status', text: '' },
      accepts_response_payload: true,
    });
    expect(first.messages.some((m) => m.envelope_id === id)).toBe(false);

    second.ws.send(
      JSON.stringify({ envelope_id: id, payload: { response_type: 'ephemeral', text: 'working' } }),
    );
    const ack = await eventually(() => fake.socket.ackOf(id));
    expect(ack).toMatchObject({
      connection: fake.socket.openConnections().at(-1)?.index,
      payload: { text: 'working' },
    });

    const click = fake.socket.send('interactive', { type: 'block_actions', actions: [] });
    second.ws.send(JSON.stringify({ envelope_id: 'never-sent' }));
    second.ws.send('not json');
    second.ws.send(JSON.stringify({ envelope_id: click, payload: { blocks: [{ type: 'nope' }] } }));
    await eventually(() => fake.rejected.length === 3);
    expect(fake.rejected.map((c) => [c.method, c.error])).toEqual([
      ['socket_ack', 'unknown_envelope'],
      ['socket_ack', 'invalid_json'],
      ['socket_ack', 'invalid_blocks'],
    ]);
    expect(fake.socket.ackOf(click)).toBeUndefined();
  });

  it("tells connections to go with Slack's disconnect message, or cuts them", async () => {
    const a = await connect(((await open(fake, fake.appToken)) as { url: string }).url);
    clients.push(a.ws);
    await eventually(() => a.messages.length === 1);
    const before = fake.socket.connections.length;
    fake.socket.disconnect('refresh_requested');
    const bye = await eventually(() => a.messages.find((m) => m.type === 'disconnect'));
    expect(bye).toEqual({
      type: 'disconnect',
      reason: 'refresh_requested',
      debug_info: { host: expect.any(String) },
    });
    a.ws.close(1000);
    await eventually(() => fake.socket.connections[before - 1]?.closedBy === 'client');

    const b = await connect(((await open(fake, fake.appToken)) as { url: string }).url);
    clients.push(b.ws);
    const closed = new Promise<number>((resolve) => b.ws.once('close', (code) => resolve(code)));
    await eventually(() => fake.socket.openConnections().length === 1);
    fake.socket.drop();
    // No close frame: the client sees an abnormal closure.
    expect(await closed).toBe(1006);
    expect(fake.socket.connections.at(-1)?.closedBy).toBe('dropped');
    expect(fake.socket.openConnections()).toEqual([]);
  });
});
