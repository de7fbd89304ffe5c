import { describe, expect, it } from 'vitest';
import { promRegexEscape, serviceTone } from '../../src/diagnostics/checks.ts';
import { formatDuration, parseDuration } from '../../src/diagnostics/duration.ts';
import { kibanaDiscoverUrl, kql } from '../../src/diagnostics/kibana.ts';
import { buildLogSearch, formatLogLine } from '../../src/diagnostics/logs.ts';
import { httpQueries } from '../../src/diagnostics/status-http.ts';
import { maskSqlLiterals } from '../../src/diagnostics/text.ts';
import { createRedactor } from '../../src/redact.ts';
import { timeColumns } from '../../src/sources/pg-diagnostics.ts';

const FIELDS = { service: 'service', level: 'level', message: 'message', traceId: 'trace_id' };

describe('pg_stat_statements columns by server version', () => {
  it('uses mean_time/total_time up to PostgreSQL 12 and *_exec_time from 13', () => {
    expect(timeColumns(120_017)).toEqual({ total: 'total_time', mean: 'mean_time' });
    expect(timeColumns(130_000)).toEqual({ total: 'total_exec_time', mean: 'mean_exec_time' });
    expect(timeColumns(170_002)).toEqual({ total: 'total_exec_time', mean: 'mean_exec_time' });
  });
});

describe('durations', () => {
  it('parses what users type and refuses the rest', () => {
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('2H')).toBe(7_200_000);
    for (const bad of ['', '0m', '30', 'm', '1w', '-5m', '1.5h', '30 m', 'now-30m']) {
      expect(parseDuration(bad), bad).toBeUndefined();
    }
    expect(formatDuration(604_800_000)).toBe('7d');
    expect(formatDuration(5_400_000)).toBe('90m');
  });
});

describe('the log query', () => {
  it('has the manual’s shape with optional clauses only when asked for', () => {
    expect(
      buildLogSearch('laojun-logs-*', { service: 'laojun-gateway', sinceMs: 1_800_000, limit: 20 }, FIELDS),
    ).toEqual({
      index: 'laojun-logs-*',
      size: 20,
      query: {
        bool: {
          must: [
            { match: { service: { query: 'laojun-gateway', operator: 'and' } } },
            { range: { '@timestamp': { gte: 'now-30m' } } },
          ],
        },
      },
      sort: [{ '@timestamp': { order: 'desc' } }],
      _source: ['@timestamp', 'service', 'level', 'message', 'trace_id'],
      ignore_unavailable: false,
    });
  });

  it('formats one compact, redacted line per hit', () => {
    const redact = createRedactor();
    const line = formatLogLine(
      {
        index: 'i',
        timestamp: '2026-11-25T19:50:01.123Z',
        level: 'error',
        message: 'login failed for redis://:hunter2secret@cache:6379\n  at stack frame',
        traceId: 'abc123',
      },
      redact,
    );
    expect(line).toBe(
      '2026-11-25 19:50:01 ERROR login failed for redis://:[REDACTED]@cache:6379  trace=abc123',
    );
  });

  it('links to Kibana Discover with the same query and time range', () => {
    const q = {
      service: 'laojun-admin-api',
      level: 'error',
      sinceMs: 3_600_000,
      limit: 50,
      text: `it's "odd"!`,
    };
    expect(kql(q, FIELDS)).toBe(
      'service:"laojun-admin-api" and level:"error" and message:"it\'s \\"odd\\"!"',
    );
    const url = kibanaDiscoverUrl('https://kibana.example/', q, FIELDS);
    expect(url.startsWith('https://kibana.example/app/discover#/?_g=')).toBe(true);
    const a = decodeURIComponent(url.split('&_a=')[1] ?? '');
    expect(a).toBe(
      `(query:(language:kuery,query:'service:"laojun-admin-api" and level:"error" and message:"it!'s \\"odd\\"!!"'),sort:!(!('@timestamp',desc)))`,
    );
    expect(decodeURIComponent(url.split('_g=')[1]?.split('&')[0] ?? '')).toBe('(time:(from:now-1h,to:now))');
  });
});

describe('/status PromQL', () => {
  it('computes p95 with histogram_quantile and the 5xx ratio in one expression (0 without 5xx series)', () => {
    const q = httpQueries(['laojun-gateway', 'laojun-admin-api'], '5m');
    expect(q.p95).toBe(
      'histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{job=~"laojun-gateway|laojun-admin-api"}[5m])))',
    );
    const all = 'sum by (job) (rate(http_requests_total{job=~"laojun-gateway|laojun-admin-api"}[5m]))';
    expect(q.errors).toBe(
      `(sum by (job) (rate(http_requests_total{job=~"laojun-gateway|laojun-admin-api",status=~"5.."}[5m])) or ${all} * 0) / ${all}`,
    );
  });

  it('escapes job names for a PromQL regex inside a string', () => {
    expect(promRegexEscape('laojun.api')).toBe('laojun\\\\.api');
    expect(promRegexEscape('a"b')).toBe('a\\"b');
  });

  it('rates a service by its worst answered check; unknown only when its main check is', () => {
    const c = (tone: 'ok' | 'warn' | 'error' | 'unknown') => ({ id: 'x', label: 'x', tone, value: '' });
    expect(serviceTone([c('ok'), c('unknown')])).toBe('ok');
    expect(serviceTone([c('unknown'), c('ok')])).toBe('unknown');
    expect(serviceTone([c('ok'), c('warn'), c('error')])).toBe('error');
    expect(serviceTone([c('unknown'), c('warn')])).toBe('warn');
  });
});

describe('SQL literal masking', () => {
  it('masks quoted, escaped, dollar-quoted and unterminated literals, leaving placeholders', () => {
    expect(maskSqlLiterals("SELECT $1, 'a''b', E'it\\'s', $$x$$, $f$ y $f$ FROM t")).toBe(
      "SELECT $1, '?', '?', '?', '?' FROM t",
    );
    expect(maskSqlLiterals("UPDATE t SET s = 'cut off by track_activity_query_size")).toBe(
      "UPDATE t SET s = '?'",
    );
  });
});

describe('data-source credentials', () => {
  it('are known secrets, redacted wherever they appear, not only inside their URL', async () => {
    const { loadConfig } = await import('../../src/config.ts');
    const config = loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      ELASTICSEARCH_URL: 'http://elastic:Es-Pass-4417@es:9200',
      PROMETHEUS_URL: 'http://ops:Prom-Pass-8812@prometheus:9090',
    });
    const redact = createRedactor(config.secrets);
    expect(redact('auth failed for elastic with Es-Pass-4417 and Prom-Pass-8812')).toBe(
      'auth failed for elastic with [REDACTED] and [REDACTED]',
    );
  });
});
