import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerClient } from '../../src/sources/alertmanager.ts';
import { PrometheusClient } from '../../src/sources/prometheus.ts';

/**
 * Prometheus and Alertmanager behind an authenticating reverse proxy, as their users run them: the
 * proxy wants Basic authentication and answers like the service behind it.
 */
describe('PROMETHEUS_URL and ALERTMANAGER_URL with user:password@', () => {
  let proxy: Server;
  let port = 0;
  const seen: Array<{ url: string; authorization?: string }> = [];
  const expected = `Basic ${Buffer.from('ops:p@ss:word').toString('base64')}`;

  beforeAll(async () => {
    proxy = createServer((req: IncomingMessage, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="proxy"' }).end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/prom/api/v1/query')) {
        res.end(
          JSON.stringify({
            status: 'success',
            data: { resultType: 'vector', result: [{ metric: { job: 'laojun-gateway' }, value: [1, '1'] }] },
          }),
        );
      } else if (req.url?.startsWith('/am/api/v2/alerts')) {
        res.end('[]');
      } else if (req.url?.startsWith('/am/api/v2/silences')) {
        res.end(JSON.stringify({ silenceID: 'abc-123' }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    port = (proxy.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('sends the userinfo as Basic authentication (fetch refuses URLs with credentials)', async () => {
    const prometheus = new PrometheusClient(`http://ops:p%40ss%3Aword@127.0.0.1:${port}/prom`);
    const samples = await prometheus.query('up');
    expect(samples[0]?.labels.job).toBe('laojun-gateway');
    expect(prometheus.baseUrl).not.toContain('p%40ss');

    const alertmanager = new AlertmanagerClient(`http://ops:p%40ss%3Aword@127.0.0.1:${port}/am`);
    expect(await alertmanager.firing()).toEqual([]);
    const id = await alertmanager.createSilence({
      matchers: { alertname: 'ServiceDown' },
      startsAt: new Date(),
      endsAt: new Date(Date.now() + 3_600_000),
      createdBy: 'U0SRE',
      comment: 'test',
    });
    expect(id).toBe('abc-123');
    expect(seen.length).toBe(3);
    expect(seen.every((s) => s.authorization === expected)).toBe(true);
  });

  it('says who refused when the password is wrong, without repeating it', async () => {
    const prometheus = new PrometheusClient(`http://ops:wrong-pass@127.0.0.1:${port}/prom`);
    const err = await prometheus.query('up').catch((e: Error) => e);
    expect(String(err)).toMatch(/HTTP 401/);
    expect(String(err)).not.toContain('wrong-pass');
  });
});
