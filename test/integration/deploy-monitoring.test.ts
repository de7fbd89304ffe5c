/**
 * The monitoring files the stack ships: Prometheus configuration and rules (promtool), the rules' own unit
 * tests (promtool test rules), Alertmanager's route (amtool), and the Grafana dashboards (every query
 * accepted by a real Prometheus; every metric either exported by the bot today or listed as assumed in
 * deploy/README.md).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../src/metrics.ts';
import { findExecutable } from '../helpers/process.ts';
import {
  checkRules,
  LAOJUN_ALERT_RULES,
  type PrometheusInstance,
  startPrometheus,
} from '../helpers/prometheus.ts';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const tool = (name: string) => {
  const found = findExecutable([name]);
  if (!found) throw new Error(`${name} not found (apt-get install prometheus prometheus-alertmanager)`);
  return found;
};

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
const rulesOf = (yaml: string) =>
  (parse(yaml) as { groups: Array<{ rules: Rule[] }> }).groups[0]?.rules ?? [];

describe('Prometheus and Alertmanager configuration', () => {
  it('the rule files pass promtool check rules', async () => {
    for (const file of ['deploy/prometheus/rules/laojun.yml', 'deploy/prometheus/rules/laojun-chatops.yml']) {
      const result = await checkRules(read(file));
      expect(result.output, file).toMatch(/SUCCESS/);
      expect(result.ok, result.output).toBe(true);
    }
    const broken = read('deploy/prometheus/rules/laojun-chatops.yml').replace('> 26 * 3600', '> 26 *');
    expect((await checkRules(broken)).ok).toBe(false);
  });

  it("laojun.yml is the manual's alerts.yml: same alerts, expressions, for, labels and annotations", () => {
    const shipped = rulesOf(read('deploy/prometheus/rules/laojun.yml'));
    const manual = rulesOf(LAOJUN_ALERT_RULES('5m', '5m')).map((r) =>
      r.alert === 'ServiceDown' ? { ...r, for: '1m' } : r,
    );
    expect(shipped).toEqual(manual);
  });

  it("the bot's rules fire after their for: and not before (promtool test rules)", async () => {
    const { stdout, stderr } = await run(tool('promtool'), [
      'test',
      'rules',
      join(ROOT, 'deploy/prometheus/tests/laojun-chatops.test.yml'),
    ]).catch((err: { stdout: string; stderr: string }) => err);
    expect(`${stdout}${stderr}`).toMatch(/SUCCESS/);
  });

  it('prometheus.yml passes promtool check config and scrapes the manual’s jobs plus the bot', async () => {
    const { stdout } = await run(tool('promtool'), [
      'check',
      'config',
      join(ROOT, 'deploy/prometheus/prometheus.yml'),
    ]);
    expect(stdout).toMatch(/SUCCESS: 2 rule files found/);
    const config = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: Array<{
        job_name: string;
        static_configs?: Array<{ targets: string[] }>;
        dns_sd_configs?: Array<{ names: string[]; port: number }>;
      }>;
    };
    const jobs = Object.fromEntries(
      config.scrape_configs.map((c) => [
        c.job_name,
        [
          ...(c.static_configs ?? []).flatMap((s) => s.targets),
          ...(c.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`)),
        ],
      ]),
    );
    expect(jobs['laojun-admin-api']).toEqual(['admin-api:8080']);
    expect(jobs['laojun-gateway']).toEqual(['gateway:8083']);
    // Both compose services of the bot, every replica (DNS discovery).
    expect(jobs.chatops).toEqual(['bot:8080', 'worker:8080']);
  });

  it('alertmanager.yml is valid and routes alerts to the bot, and the bot’s own alerts also elsewhere', async () => {
    const amtool = tool('amtool');
    const file = join(ROOT, 'deploy/alertmanager/alertmanager.yml');
    const { stdout } = await run(amtool, ['check-config', file]);
    expect(stdout).toMatch(/SUCCESS/);
    const route = async (...labels: string[]) =>
      (await run(amtool, ['config', 'routes', 'test', `--config.file=${file}`, ...labels])).stdout.trim();
    expect(await route('alertname=ServiceDown', 'job=laojun-gateway')).toBe('web.hook');
    expect((await route('alertname=ChatOpsDown', 'component=chatops')).split(/[,\s]+/).sort()).toEqual([
      'chatops-fallback',
      'web.hook',
    ]);
  });
});

const FUNCTIONS = new Set([
  'rate',
  'increase',
  'sum',
  'max',
  'min',
  'avg',
  'histogram_quantile',
  'time',
  'absent',
  'label_replace',
  'by',
  'without',
  'and',
  'or',
  'unless',
]);

/** Metric names in a PromQL expression (strings, label matchers, grouping lists and ranges removed). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  return [...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .map((m) => m[0])
    .filter((name) => !FUNCTIONS.has(name) && !/^\d/.test(name));
}

interface Dashboard {
  uid: string;
  title: string;
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
}

/** Names listed in deploy/README.md under "Metrics the dashboards and rules assume". */
function assumedMetrics(): Set<string> {
  const readme = read('deploy/README.md');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Metrics the dashboards and rules assume'));
  if (!section) throw new Error('deploy/README.md has no "Metrics the dashboards and rules assume" section');
  const names = [...section.matchAll(/`([a-z_:][a-z0-9_:]*)`/g)].map((m) => m[1] ?? '');
  // A listed histogram may be queried through its series.
  return new Set(names.flatMap((n) => [n, `${n}_bucket`, `${n}_sum`, `${n}_count`]));
}

describe('Grafana dashboards', () => {
  let prom: PrometheusInstance;
  beforeAll(async () => {
    prom = await startPrometheus({ scrapeTargets: [] });
  });
  afterAll(async () => {
    await prom?.stop();
  });

  const dashboards: Record<string, Dashboard> = {
    overview: JSON.parse(read('deploy/grafana/laojun-overview.json')),
    chatops: JSON.parse(read('deploy/grafana/laojun-chatops.json')),
  };

  it('ships the manual’s 太上老君系统概览 with its three panels and queries', () => {
    const d = dashboards.overview as Dashboard;
    expect(d.title).toBe('太上老君系统概览');
    const byTitle = Object.fromEntries(d.panels.map((p) => [p.title, p.targets.map((t) => t.expr)]));
    expect(byTitle.服务状态).toEqual(['up{job=~"laojun-.*"}']);
    expect(byTitle.请求量趋势).toEqual(['rate(http_requests_total[5m])']);
    expect(byTitle.响应时间分布).toBeDefined();
  });

  it('every panel query is accepted by Prometheus', async () => {
    const rejected: string[] = [];
    for (const [name, d] of Object.entries(dashboards)) {
      for (const p of d.panels) {
        for (const { expr } of p.targets) {
          await prom.query(expr).catch((err: Error) => rejected.push(`${name}/${p.title}: ${err.message}`));
        }
      }
    }
    expect(rejected).toEqual([]);
  });

  it('every metric the bot dashboard and rules use is exported by the bot or listed as assumed in deploy/README.md', async () => {
    const exported = new Set<string>(['up']);
    for (const m of await createMetrics().registry.getMetricsAsJSON()) {
      exported.add(m.name);
      if (String(m.type) === 'histogram')
        for (const s of ['_bucket', '_sum', '_count']) exported.add(m.name + s);
    }
    exported.add('laojun_queue_jobs'); // registered by src/queue/metrics.ts with the queues
    const assumed = assumedMetrics();
    const exprs = [
      ...(dashboards.chatops as Dashboard).panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...rulesOf(read('deploy/prometheus/rules/laojun-chatops.yml')).map((r) => r.expr),
    ];
    const unknown = [...new Set(exprs.flatMap(metricNames))].filter(
      (n) => !exported.has(n) && !assumed.has(n),
    );
    expect(unknown).toEqual([]);
    const panels = (dashboards.chatops as Dashboard).panels.map((p) => p.title).join(' | ');
    for (const topic of [
      'Alerts received',
      'deduplicated',
      'Incidents open',
      'Command latency',
      'Queue depth',
    ]) {
      expect(panels).toContain(topic);
    }
    expect(panels).toMatch(/Slack API calls.*Slack 429.*|Slack 429.*Slack API calls/);
    expect(panels).toContain('Backup age');
  });
});
