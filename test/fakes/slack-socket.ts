/**
 * Socket Mode side of the fake Slack server, after docs.slack.dev/apis/events-api/using-socket-mode:
 *
 * - `apps.connections.open` takes the app-level token (`xapp-…`) from the Authorization header only
 *   (a token field, or a bot token, is refused) and answers `{ok:true, url}` with a single-use
 *   `ws://127.0.0.1:PORT/link/?ticket=…&app_id=…` on the fake's own port.
 * - On connect the fake sends Slack's `hello` (`num_connections`, `connection_info.app_id`,
 *   `debug_info`). A test pushes envelopes `{envelope_id, type, payload, accepts_response_payload}`;
 *   like Slack, each goes to one open connection (the newest), and with none open the push fails the
 *   way Slack tells the user (`dispatch_failed`).
 * - Every ack `{envelope_id, payload?}` the app sends back is recorded (`acks`) and also as a call
 *   `socket_ack`; an ack for an envelope never sent, one that is not JSON, or a payload whose blocks
 *   Slack would refuse lands in `rejected`.
 * - `disconnect(reason)` sends `{type:'disconnect', reason, debug_info}` (the app is expected to close
 *   and reconnect with a fresh URL); `drop()` cuts the TCP connections without a close frame.
 *
 * Not modelled: Slack's retries of unacknowledged `events_api` envelopes, the 10-connection cap,
 * rate limits of apps.connections.open, server pings (the ws server answers the app's pings).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { validateBlocks } from './block-kit-rules.ts';
import { type ApiResult, apiError } from './slack-result.ts';
import type {
  EnvelopeType,
  FakeAck,
  FakeEnvelope,
  FakeSocketConnection,
  FakeSocketMode,
  RecordedCall,
} from './slack-types.ts';

export interface SocketModeOptions {
  appToken: string;
  appId: string;
  botToken: string;
  now: () => number;
  record: (call: RecordedCall) => void;
  /** http://127.0.0.1:PORT of the fake, known once it listens. */
  baseUrl: () => string;
}

export interface SocketModeServer {
  api: FakeSocketMode;
  /** apps.connections.open with the Authorization header's token (a token field does not count). */
  open(bearer: string | undefined): ApiResult;
  /** The HTTP server's `upgrade` listener. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  reset(): void;
  close(): void;
}

export function createSocketMode(o: SocketModeOptions): SocketModeServer {
  const wss = new WebSocketServer({ noServer: true });
  const tickets = new Set<string>();
  const connections: FakeSocketConnection[] = [];
  const sockets = new Map<number, WebSocket>();
  const envelopes: FakeEnvelope[] = [];
  const acks: FakeAck[] = [];

  const openConnections = (): FakeSocketConnection[] => connections.filter((c) => c.open);

  /** Why Slack would refuse an ack (undefined: accepted). */
  const refusal = (m: Record<string, unknown>): string | undefined => {
    const id = m.envelope_id;
    if (typeof id !== 'string' || !envelopes.some((e) => e.envelope_id === id)) return 'unknown_envelope';
    if (m.payload === undefined) return undefined;
    const p = m.payload;
    if (typeof p !== 'object' || p === null || Array.isArray(p)) return 'invalid_payload';
    const rt = (p as Record<string, unknown>).response_type;
    if (rt !== undefined && rt !== 'ephemeral' && rt !== 'in_channel') return 'invalid_payload';
    const blocks = (p as Record<string, unknown>).blocks;
    if (blocks === undefined) return undefined;
    const verdict = validateBlocks(blocks);
    return verdict.ok ? undefined : verdict.error;
  };

  const onMessage = (conn: FakeSocketConnection, data: RawData, isBinary: boolean): void => {
    const raw = Buffer.isBuffer(data)
      ? data
      : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
    let msg: unknown;
    try {
      msg = isBinary ? undefined : JSON.parse(raw.toString('utf8'));
    } catch {
      msg = undefined;
    }
    const parsed = typeof msg === 'object' && msg !== null && !Array.isArray(msg);
    const body = parsed ? (msg as Record<string, unknown>) : { unparsable: raw.toString('utf8') };
    const error = parsed ? refusal(body) : 'invalid_json';
    const call: RecordedCall = { method: 'socket_ack', body, at: o.now(), status: 200, ok: !error };
    if (error) call.error = error;
    else {
      const ack: FakeAck = { envelope_id: String(body.envelope_id), connection: conn.index, at: call.at };
      if (body.payload !== undefined) ack.payload = body.payload as Record<string, unknown>;
      acks.push(ack);
    }
    o.record(call);
  };

  const api: FakeSocketMode = {
    appToken: o.appToken,
    appId: o.appId,
    connections,
    envelopes,
    acks,
    openConnections,
    send(type: EnvelopeType, payload: Record<string, unknown>): string {
      const conn = openConnections().at(-1);
      const ws = conn ? sockets.get(conn.index) : undefined;
      if (!conn || !ws) throw new Error('dispatch_failed: the app has no open Socket Mode connection');
      const envelope: FakeEnvelope = {
        envelope_id: randomUUID(),
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        connection: conn.index,
        at: o.now(),
      };
      envelopes.push(envelope);
      const { connection: _c, at: _a, ...wire } = envelope;
      ws.send(JSON.stringify(wire));
      return envelope.envelope_id;
    },
    ackOf: (envelopeId) => acks.find((a) => a.envelope_id === envelopeId),
    disconnect(reason = 'refresh_requested') {
      for (const c of openConnections()) {
        sockets
          .get(c.index)
          ?.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
      }
    },
    drop() {
      for (const c of openConnections()) {
        c.open = false;
        c.closedBy = 'dropped';
        c.closedAt = o.now();
        sockets.get(c.index)?.terminate();
      }
    },
  };

  return {
    api,
    open(bearer) {
      // The method takes the app-level token from the Authorization header only, never a token field.
      if (!bearer) return apiError('not_authed');
      if (bearer === o.botToken || !bearer.startsWith('xapp-')) return apiError('not_allowed_token_type');
      if (bearer !== o.appToken) return apiError('invalid_auth');
      const ticket = randomBytes(12).toString('hex');
      tickets.add(ticket);
      const ws = o.baseUrl().replace(/^http/, 'ws');
      return { body: { ok: true, url: `${ws}/link/?ticket=${ticket}&app_id=${o.appId}` } };
    },
    upgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://fake.invalid');
      const ticket = url.searchParams.get('ticket') ?? '';
      // A ticket works once; Slack's exact refusal of a stale URL is not documented.
      if (url.pathname !== '/link/' || !tickets.delete(ticket)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const conn: FakeSocketConnection = { index: connections.length, openedAt: o.now(), open: true };
        connections.push(conn);
        sockets.set(conn.index, ws);
        ws.on('message', (data, isBinary) => onMessage(conn, data, isBinary));
        ws.on('close', () => {
          sockets.delete(conn.index);
          if (conn.open) {
            conn.open = false;
            conn.closedBy = 'client';
            conn.closedAt = o.now();
          }
        });
        ws.on('error', () => {});
        ws.send(
          JSON.stringify({
            type: 'hello',
            num_connections: openConnections().length,
            connection_info: { app_id: o.appId },
            debug_info: {
              host: 'applink-fake',
              started: new Date(o.now()).toISOString().replace('T', ' ').slice(0, 23),
              build_number: 1,
              approximate_connection_time: 18060,
            },
          }),
        );
      });
    },
    reset() {
      envelopes.length = 0;
      acks.length = 0;
    },
    close() {
      for (const c of openConnections()) {
        c.open = false;
        c.closedBy = 'server';
        c.closedAt = o.now();
      }
      for (const ws of sockets.values()) ws.terminate();
      sockets.clear();
      wss.close();
    },
  };
}
