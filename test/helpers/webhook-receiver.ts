/**
 * A tiny HTTP server recording what is POSTed to it (Alertmanager webhooks in the helpers' own tests;
 * any outgoing HTTP call of the bot elsewhere).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from './ports.ts';
import { withPortRetry } from './process.ts';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** `JSON.parse(body)`, or undefined when the body is not JSON. */
  json: unknown;
  receivedAt: number;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  readonly requests: ReceivedRequest[];
  /** Status answered to the next requests (default 200). */
  setStatus(code: number): void;
  /** Resolves with the first request (already received or future) accepted by `predicate`. */
  waitFor(predicate?: (req: ReceivedRequest) => boolean, timeoutMs?: number): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  let status = 200;
  let waiters: Array<(req: ReceivedRequest) => boolean> = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const entry: ReceivedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
        json,
        receivedAt: Date.now(),
      };
      requests.push(entry);
      waiters = waiters.filter((w) => !w(entry));
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });

  const port = await withPortRetry(async () => {
    const p = await freePort();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  });

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setStatus(code) {
      status = code;
    },
    waitFor(predicate = () => true, timeoutMs = 15_000) {
      const existing = requests.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise<ReceivedRequest>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`no matching request within ${timeoutMs} ms (received ${requests.length})`));
        }, timeoutMs);
        const waiter = (req: ReceivedRequest) => {
          if (!predicate(req)) return false;
          clearTimeout(timer);
          resolve(req);
          return true;
        };
        waiters.push(waiter);
      });
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
