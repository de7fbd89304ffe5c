import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemetrySettings } from '../../src/config.ts';
import { startTelemetry, type Telemetry, traceableUrl } from '../../src/telemetry.ts';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { freshFixture, postAlerts, roots } from '../helpers/incidents.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}

/** A minimal OTLP/HTTP JSON receiver (what Jaeger's :4318 accepts): POST /v1/traces. */
async function startOtlpReceiver(): Promise<{
  url: string;
  spans: OtlpSpan[];
  paths: string[];
  server: Server;
}> {
  const spans: OtlpSpan[] = [];
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
      };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, paths, server };
}

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes?.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
};

describe('OpenTelemetry traces', () => {
  it('stays off without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(startTelemetry(telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }))).toBeUndefined();
  });

  it('never puts a response_url credential into a span', () => {
    expect(traceableUrl('https://hooks.slack.com/commands/T0LAOJUN/123456/Zm9vYmFyYmF6cXV4c2VjcmV0')).toBe(
      'https://hooks.slack.com/commands/T0LAOJUN/123456/…',
    );
    expect(traceableUrl('https://slack.com/api/chat.postMessage?x=1')).toBe(
      'https://slack.com/api/chat.postMessage',
    );
  });

  describe('one signed /status', () => {
    let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
    let telemetry: Telemetry | undefined;
    let t: TestBot;
    beforeAll(async () => {
      receiver = await startOtlpReceiver();
      telemetry = startTelemetry(
        telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'chatops-test' }),
      );
      t = await startTestBot({}, { queueTelemetry: telemetry?.queue });
    });
    afterAll(async () => {
      await t?.stop();
      await telemetry?.shutdown();
      receiver?.server.close();
    });

    it('is one trace from the HTTP request through the queue to the worker and the Slack answer', async () => {
      const responseUrl = t.slack.createResponseUrl();
      const res = await postSigned(
        t.url,
        SIGNING_SECRET,
        slashCommandBody({ command: '/status', response_url: responseUrl }),
      );
      expect(res.status).toBe(200);
      await eventually(() => t.slack.responses.find((r) => r.id && responseUrl.endsWith(r.id)));

      const spans = await eventually(async () => {
        await telemetry?.flush();
        const server = receiver.spans.find(
          (s) =>
            s.kind === 2 &&
            (attr(s, 'url.path') === '/slack/events' || attr(s, 'http.target') === '/slack/events'),
        );
        if (!server) return undefined;
        const trace = receiver.spans.filter((s) => s.traceId === server.traceId);
        const worker = trace.find((s) => s.kind === 5 && /process/.test(s.name));
        const answer = trace.find(
          (s) => s.kind === 3 && String(attr(s, 'url.full') ?? '').includes('/response/'),
        );
        return worker && answer ? { server, trace, worker, answer } : undefined;
      }, 15_000).catch((err: Error) => {
        throw new Error(
          `${err.message}; spans: ${receiver.spans.map((s) => `${s.kind} ${s.name} ${s.traceId.slice(0, 6)} ${attr(s, 'url.full') ?? attr(s, 'url.path') ?? ''}`).join(' | ')}`,
        );
      });

      expect(receiver.paths[0]).toMatch(/^POST \/v1\/traces application\/json/);
      // The producer span (job added while serving the request) and the worker's span are in the trace.
      expect(spans.trace.some((s) => s.kind === 4 && /add/.test(s.name))).toBe(true);
      expect(spans.worker.traceId).toBe(spans.server.traceId);
      expect(spans.answer.traceId).toBe(spans.server.traceId);
      // The response_url's secret path stays out of the trace.
      // (The fake Slack runs in this process, so its own server spans are left out: they are not the bot's.)
      const everything = JSON.stringify(receiver.spans.filter((s) => s.kind !== 2 || s === spans.server));
      const secretPath = new URL(responseUrl).pathname;
      expect(everything).not.toContain(secretPath);
      expect(everything).not.toContain(t.slack.token);
    });

    it('an Alertmanager notification is one trace: POST /alerts → incident sync job → chat.postMessage', async () => {
      expect((await postAlerts(t.url, freshFixture('ServiceDown-firing', new Date()))).status).toBe(200);
      await eventually(() => roots(t.slack)[0]);
      const found = await eventually(async () => {
        await telemetry?.flush();
        for (const server of receiver.spans.filter(
          (s) => s.kind === 2 && attr(s, 'url.path') === '/alerts',
        )) {
          const trace = receiver.spans.filter((s) => s.traceId === server.traceId);
          const worker = trace.find((s) => s.kind === 5 && /process/.test(s.name));
          const post = trace.find(
            (s) => s.kind === 3 && String(attr(s, 'url.full') ?? '').endsWith('/chat.postMessage'),
          );
          if (worker && post) return { server, worker, post };
        }
        return undefined;
      }, 15_000);
      expect(found.worker.traceId).toBe(found.server.traceId);
      expect(found.post.traceId).toBe(found.server.traceId);
    });
  });
});
