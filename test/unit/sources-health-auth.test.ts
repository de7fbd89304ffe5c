import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpHealth } from '../../src/sources/http-health.ts';

/** A service's healthUrl behind Basic authentication, as for PROMETHEUS_URL: the credentials go as a header. */
describe('healthUrl with user:password@', () => {
  let server: Server;
  let port = 0;
  const expected = `Basic ${Buffer.from('probe:h3alth-pw').toString('base64')}`;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.headers.authorization !== expected) return void res.writeHead(401).end('who are you');
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"UP"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('probes with Basic authentication and reports the answer', async () => {
    const h = await httpHealth(fetch, `http://probe:h3alth-pw@127.0.0.1:${port}/health`);
    expect(h).toEqual({ status: 200, ok: true, body: '{"status":"UP"}' });
  });

  it('keeps the password out of the error when the service cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const dead = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await httpHealth(fetch, `http://probe:h3alth-pw@127.0.0.1:${dead}/health`).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/ECONNREFUSED|fetch failed/);
    expect((err as Error).message).not.toContain('h3alth-pw');
  });
});
