import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeps, closeDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { errorLogs, logsReport } from '../../src/diagnostics/logs.ts';
import { renderText } from '../../src/report/text.ts';
import { type FakeElasticsearch, startFakeElasticsearch } from '../fakes/elasticsearch.ts';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { testDatabaseUrl } from '../helpers/db.ts';
import { answerText, commandJobCount, slackTraffic, writeConfigFile } from '../helpers/diagnostics.ts';
import { CLOSED_PORT } from '../helpers/ports.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';

const PRIVATE_KEY_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0';
/** Secrets seeded into the log documents: none of them may reach Slack. */
const SECRETS = [
  'Pg-S3cret-Passw0rd',
  'abcdEFGH1234ijklMNOP5678',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ',
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  PRIVATE_KEY_BODY,
  'qs-TOKEN-998877',
  'LJ-0123456789ab',
];

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const MIN = 60_000;

function seed(es: FakeElasticsearch): void {
  es.index('laojun-logs-2026.11.25', [
    {
      '@timestamp': ago(2 * MIN),
      service: 'laojun-admin-api',
      level: 'error',
      message:
        'E1 database connect failed: postgres://laojun:Pg-S3cret-Passw0rd@db:5432/laojun connection refused',
      trace_id: 'trace-aaa111',
    },
    {
      '@timestamp': ago(5 * MIN),
      service: 'laojun-admin-api',
      level: 'error',
      message: 'E2 upstream rejected Authorization: Bearer abcdEFGH1234ijklMNOP5678 (401)',
      trace_id: 'trace-bbb222',
    },
    {
      '@timestamp': ago(9 * MIN),
      service: 'laojun-admin-api',
      level: 'error',
      message:
        'E3 invalid session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ for user 42',
      trace_id: 'trace-ccc333',
    },
    {
      '@timestamp': ago(14 * MIN),
      service: 'laojun-admin-api',
      level: 'error',
      message:
        'E4 S3 upload failed with AKIAIOSFODNN7EXAMPLE aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    },
    {
      '@timestamp': ago(20 * MIN),
      service: 'laojun-admin-api',
      level: 'error',
      message: `E5 bad key loaded:\n-----BEGIN RSA PRIVATE KEY-----\n${PRIVATE_KEY_BODY}\nAAAA\n-----END RSA PRIVATE KEY-----`,
    },
    {
      '@timestamp': ago(25 * MIN),
      service: 'laojun-admin-api',
      level: 'error',
      message: 'E6 callback GET /hook?user=x&token=qs-TOKEN-998877 internal LJ-0123456789ab timeout',
      trace_id: 'trace-fff666',
    },
    // Not wanted by `--level error --since 1h` on admin-api:
    { '@timestamp': ago(3 * MIN), service: 'laojun-admin-api', level: 'info', message: 'I1 request served' },
    { '@timestamp': ago(4 * MIN), service: 'laojun-gateway', level: 'error', message: 'G1 gateway error' },
    {
      '@timestamp': ago(4 * MIN),
      service: 'laojun-marketplace-api',
      level: 'error',
      message: 'M1 market error',
    },
    {
      '@timestamp': ago(3 * 60 * MIN),
      service: 'laojun-admin-api',
      level: 'error',
      message: 'OLD1 three hours ago',
    },
  ]);
  // Plenty of lines for the long-output case.
  es.index(
    'laojun-logs-2026.11.24',
    Array.from({ length: 150 }, (_, i) => ({
      '@timestamp': ago((30 + i) * MIN),
      service: 'laojun-config-center',
      level: 'warn',
      message: `W${i} config reload slow; redis://:Pg-S3cret-Passw0rd@cache:6379 retrying with Bearer abcdEFGH1234ijklMNOP5678`,
    })),
  );
}

function expectNoSecrets(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
}

describe('/logs against an Elasticsearch 8 stand-in', () => {
  let es: FakeElasticsearch;
  let t: TestBot;
  beforeAll(async () => {
    es = await startFakeElasticsearch();
    seed(es);
    t = await startTestBot({
      ELASTICSEARCH_URL: es.url,
      CONFIG_FILE: writeConfigFile({
        links: { kibana: 'https://kibana.laojun.example' },
        redact: ['LJ-[0-9a-f]{12}'],
      }),
    });
  });
  afterAll(async () => {
    await t?.stop();
    await es?.close();
  });

  it('answers a signed /logs with the service’s error lines, newest first, redacted, with a Kibana link', async () => {
    const responseUrl = t.slack.createResponseUrl();
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({
        command: '/logs',
        text: 'laojun-admin-api --level error --since 1h',
        response_url: responseUrl,
      }),
    );
    expect(res.status).toBe(200);
    const answer = await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)));
    const text = answerText(answer.body);
    const order = ['E1', 'E2', 'E3', 'E4', 'E5', 'E6'].map((m) => text.indexOf(`${m} `));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const unwanted of ['I1 ', 'G1 ', 'M1 ', 'OLD1']) expect(text).not.toContain(unwanted);
    expect(text).toContain('trace=trace-aaa111');
    expect(text).toContain('ERROR');
    expect(text).toContain('https://kibana.laojun.example/app/discover#/?_g=');
    expect(text).toContain('[REDACTED]');
    expectNoSecrets(slackTraffic(t.slack));
    expect(t.slack.rejected).toEqual([]);

    // The query Elasticsearch received has the manual's shape.
    const body = es.searches.at(-1)?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      size: 50,
      sort: [{ '@timestamp': { order: 'desc' } }],
      query: {
        bool: {
          must: [
            { match: { service: { query: 'laojun-admin-api', operator: 'and' } } },
            { match: { level: { query: 'error', operator: 'and' } } },
            { range: { '@timestamp': { gte: 'now-1h' } } },
          ],
        },
      },
    });
    // The 9.x client talks to ES 8 with the 8 compatibility header.
    expect(String(es.searches.at(-1)?.headers.accept)).toContain('compatible-with=8');
  });

  it('puts user text into a query parameter, never into the JSON, and filters by it and by trace id', async () => {
    const deps = t.bot.deps;
    const nasty = 'refused"}}]},"size":10000,"query":{"match_all":{}}} OR *';
    const report = await logsReport(deps, {
      service: 'laojun-admin-api',
      sinceMs: 60 * MIN,
      limit: 50,
      text: nasty,
    });
    const sent = es.searches.at(-1)?.body as {
      query: { bool: { must: Array<Record<string, unknown>> } };
      size: number;
    };
    expect(sent.size).toBe(50);
    expect(sent.query.bool.must.at(-1)).toEqual({
      simple_query_string: { query: nasty, fields: ['message'], default_operator: 'and' },
    });
    // No line has every word of that text: nothing, rather than everything.
    expect(report.summary).toContain('没有匹配');

    const refused = await logsReport(deps, {
      service: 'laojun-admin-api',
      sinceMs: 60 * MIN,
      limit: 50,
      text: 'connection refused',
    });
    const out = renderText(refused);
    expect(out).toContain('E1 ');
    expect(out).not.toContain('E2 ');

    const traced = renderText(
      await logsReport(deps, {
        service: 'laojun-admin-api',
        sinceMs: 60 * MIN,
        limit: 50,
        traceId: 'trace-ccc333',
      }),
    );
    expect(traced).toContain('E3 ');
    expect(traced).not.toContain('E1 ');
    expectNoSecrets(traced);
  });

  it('sends long output as a snippet file, redacted too', async () => {
    const responseUrl = t.slack.createResponseUrl();
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({
        command: '/logs',
        text: 'laojun-config-center --since 7d --limit 150',
        response_url: responseUrl,
      }),
    );
    // Completed: its bytes arrive before files.completeUploadExternal names the conversation.
    const upload = await eventually(() =>
      t.slack.uploads.find((u) => u.completed && u.bytes.toString().includes('W149 ')),
    );
    const content = upload.bytes.toString('utf8');
    expect(content.match(/ WARN /g)?.length).toBe(150);
    // The answer was ephemeral: the file goes to the user's direct messages, not to the channel.
    expect(upload.channel).toMatch(/^D/);
    expect(t.slack.uploads.filter((u) => u.channel === 'C0OPS')).toEqual([]);
    const answer = await eventually(() => t.slack.responses.find((r) => r.id && responseUrl.endsWith(r.id)));
    expect(JSON.stringify(answer.body)).toContain('已通过私信发给你');
    expectNoSecrets(slackTraffic(t.slack));
  });

  it('answers bad arguments with the usage line and enqueues and searches nothing', async () => {
    const before = await commandJobCount(t);
    const searches = es.searches.length;
    for (const text of [
      '',
      '--level error',
      'Bad_Service!',
      'laojun-admin-api --limit 500',
      'laojun-admin-api --limit ten',
      'laojun-admin-api --since 30d',
      'laojun-admin-api --since yesterday',
      'laojun-admin-api --level loud',
      'laojun-admin-api --trace "a b"',
      'laojun-admin-api --colour red',
    ]) {
      const res = await postSigned(
        t.url,
        SIGNING_SECRET,
        slashCommandBody({ command: '/logs', text, response_url: t.slack.createResponseUrl() }),
      );
      const ack = JSON.parse(res.body) as { text: string };
      // The acknowledgement's text is escaped by the outbound filter (Slack shows `<service>`).
      expect(ack.text, text).toContain('用法：/logs &lt;service&gt;');
    }
    expect(await commandJobCount(t)).toBe(before);
    expect(es.searches.length).toBe(searches);
  });

  it('errorLogs() gives the latest error lines of a service, for callers outside /logs', async () => {
    const report = await errorLogs(t.bot.deps, 'laojun-gateway', '1h');
    const out = renderText(report);
    expect(out).toContain('G1 gateway error');
    expect(out).not.toContain('E1 ');
  });
});

describe('/logs when Elasticsearch cannot answer', () => {
  const opened: Deps[] = [];
  const depsWith = (env: Record<string, string>) => {
    const deps = buildDeps(
      loadConfig({
        DATABASE_URL: testDatabaseUrl(),
        REDIS_URL: testRedisUrl(),
        LOCALE: 'en',
        LOG_LEVEL: 'silent',
        ...env,
      }),
    );
    opened.push(deps);
    return deps;
  };
  afterAll(async () => {
    for (const d of opened) await closeDeps(d);
  });

  it('says Elasticsearch is not answering, without a stack trace', async () => {
    const deps = depsWith({ ELASTICSEARCH_URL: `http://127.0.0.1:${CLOSED_PORT}` });
    const report = await logsReport(deps, { service: 'laojun-admin-api', sinceMs: 30 * MIN, limit: 10 });
    expect(report.tone).toBe('error');
    expect(report.summary).toMatch(/^Elasticsearch is not answering .*Check ELASTICSEARCH_URL/);
    expect(renderText(report)).not.toMatch(/\n\s+at /);
  });

  it('says the index does not exist when LOG_INDEX names a missing index', async () => {
    const es = await startFakeElasticsearch();
    try {
      const deps = depsWith({ ELASTICSEARCH_URL: es.url, LOG_INDEX: 'laojun-logs-2020.01.01' });
      const report = await logsReport(deps, { service: 'laojun-admin-api', sinceMs: 30 * MIN, limit: 10 });
      expect(report.summary).toContain('The log index `laojun-logs-2020.01.01` does not exist');
      expect(report.summary).toContain('Check LOG_INDEX');
    } finally {
      await es.close();
    }
  });

  it('says ELASTICSEARCH_URL is not set when it is not', async () => {
    const report = await logsReport(depsWith({}), {
      service: 'laojun-admin-api',
      sinceMs: 30 * MIN,
      limit: 10,
    });
    expect(report.summary).toContain('ELASTICSEARCH_URL is not set');
  });
});
