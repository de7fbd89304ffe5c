import type { ServiceConfig } from '../config.ts';
import type { Deps } from '../deps.ts';
import { redactDeep } from '../redact.ts';
import type { Report, ReportBlock, ReportLink, Tone } from '../report/report.ts';
import type { FiringAlert } from '../sources/alertmanager.ts';
import { type ProbeResult, probe } from '../sources/probe.ts';
import { type Check, type ServiceStatus, serviceTone } from './checks.ts';
import { openIncidentsPart } from './open-incidents.ts';
import { httpChecks, httpFigures } from './status-http.ts';
import { infraChecks } from './status-infra.ts';
import { oneLine } from './text.ts';

export interface StatusResult {
  services: ServiceStatus[];
  /** Undefined when ALERTMANAGER_URL is not set. */
  alerts?: ProbeResult<FiringAlert[]>;
  checkedAt: string;
}

/** Alerts that concern a service: its Prometheus job, or a `service` label naming it. */
export function alertsFor(alerts: FiringAlert[], service: ServiceConfig): FiringAlert[] {
  const job = service.job ?? service.name;
  return alerts.filter(
    (a) => a.labels.job === job || a.labels.service === service.name || a.labels.job === service.name,
  );
}

/** Runs every probe (in parallel, each with its own timeout) for all services or one. */
export async function collectStatus(deps: Deps, serviceName?: string): Promise<StatusResult> {
  const detail = serviceName !== undefined;
  const services = deps.config.services.filter((s) => !serviceName || s.name === serviceName);
  const jobs = services.filter((s) => s.kind === 'http').map((s) => s.job ?? s.name);
  const am = deps.sources.alertmanager;
  const timeoutMs = deps.config.file.probes.timeoutMs;
  const [figures, alerts] = await Promise.all([
    jobs.length > 0 ? httpFigures(deps, jobs, detail) : undefined,
    am ? probe(timeoutMs, (signal) => am.firing({ timeoutMs, signal })) : undefined,
  ]);
  const statuses = await Promise.all(
    services.map(async (s): Promise<ServiceStatus> => {
      const checks =
        s.kind === 'http' && figures
          ? await httpChecks(deps, s, figures, detail)
          : await infraChecks(deps, s, detail);
      return { service: s.name, kind: s.kind, tone: serviceTone(checks), checks };
    }),
  );
  return { services: statuses, alerts, checkedAt: deps.now().toISOString() };
}

function stateWord(deps: Deps, tone: Tone): string {
  const { t } = deps;
  if (tone === 'error') return t('diagnostics.status.stateDown');
  if (tone === 'warn') return t('diagnostics.status.stateDegraded');
  if (tone === 'ok') return t('diagnostics.status.stateUp');
  return t('diagnostics.status.stateUnknown');
}

function alertBlocks(deps: Deps, alerts: StatusResult['alerts'], service?: ServiceConfig): ReportBlock[] {
  const { t } = deps;
  const title = t('diagnostics.status.alertsTitle');
  if (!alerts) {
    return [
      {
        kind: 'text',
        text: `${title}: ${t('diagnostics.status.notConfigured', { setting: 'ALERTMANAGER_URL' })}`,
      },
    ];
  }
  if (!alerts.ok) return [{ kind: 'text', text: `${title}: ⚪ ${alerts.reason}` }];
  const list = service ? alertsFor(alerts.value, service) : alerts.value;
  if (list.length === 0) return [{ kind: 'text', text: `${title}: ${t('diagnostics.status.noAlerts')}` }];
  const rows = list
    .slice(0, 30)
    .map((a) => [
      a.name,
      a.severity ?? '—',
      a.labels.job ?? a.labels.instance ?? a.labels.service ?? '—',
      a.startsAt.replace(/\.\d+Z$/, 'Z'),
      oneLine(a.summary ?? '', deps.redact, 80),
    ]);
  return [
    {
      kind: 'table',
      table: {
        title: `${title} (${list.length})`,
        columns: t('diagnostics.status.alertColumns', { returnObjects: true }) as string[],
        rows,
      },
    },
  ];
}

/** `label value` per check; checks failing for the same reason share one entry (`up/p95 reason`). */
function briefParts(checks: Check[]): string[] {
  const out: Array<{ labels: string[]; value: string; unknown: boolean }> = [];
  for (const c of checks) {
    const last = out.at(-1);
    if (c.tone === 'unknown' && last?.unknown && last.value === c.value) last.labels.push(c.label);
    else out.push({ labels: [c.label], value: c.value, unknown: c.tone === 'unknown' });
  }
  return out.map((p) => `${p.labels.join('/')} ${p.value}`);
}

function links(deps: Deps): ReportLink[] {
  const l = deps.config.file.links;
  const out: ReportLink[] = [];
  if (l.grafana) out.push({ label: 'Grafana', url: l.grafana });
  if (l.alertmanager) out.push({ label: 'Alertmanager', url: l.alertmanager });
  return out;
}

/** `/status [service]` as a Report: callable from other features (e.g. incident evidence). */
export async function statusReport(deps: Deps, serviceName?: string): Promise<Report> {
  const { t } = deps;
  const config = serviceName ? deps.config.services.find((c) => c.name === serviceName) : undefined;
  const [result, open] = await Promise.all([
    collectStatus(deps, serviceName),
    openIncidentsPart(deps, config),
  ]);
  const count = (tones: Tone[]) => result.services.filter((s) => tones.includes(s.tone)).length;
  const down = count(['error']);
  const degraded = count(['warn']);
  const unknown = count(['unknown', 'info']);
  const up = count(['ok', 'warn']);
  const firing = result.alerts?.ok ? result.alerts.value.length : 0;
  const tone: Tone =
    down > 0 ? 'error' : degraded > 0 || firing > 0 ? 'warn' : unknown > 0 ? 'unknown' : 'ok';
  const context = [
    t('status.checkedAt', { time: result.checkedAt }),
    t('diagnostics.status.window', { window: deps.config.file.diagnostics.rateWindow }),
  ];
  const data = redactDeep(result, deps.redact);

  if (serviceName) {
    const s = result.services[0];
    if (!s || !config) throw new Error(`service ${serviceName} not configured`);
    return {
      title: t('status.titleService', { service: serviceName }),
      tone: s.tone,
      summary: [stateWord(deps, s.tone), config.description].filter(Boolean).join(' · '),
      blocks: [
        {
          kind: 'fields',
          fields: s.checks.map((c) => ({ label: c.label, value: c.value, tone: c.tone })),
        },
        ...alertBlocks(deps, result.alerts, config),
        open.block,
      ],
      links: [...links(deps), ...open.links],
      context,
      data,
    };
  }

  return {
    title: t('status.title'),
    tone,
    summary: `${degraded > 0 ? t('diagnostics.status.summaryDegraded', { up, degraded, down, unknown }) : t('status.summary', { up, down, unknown })}${result.alerts?.ok ? t('diagnostics.status.firingCount', { n: firing }) : ''}`,
    blocks: [
      {
        kind: 'fields',
        fields: result.services.map((s) => ({
          label: s.service,
          tone: s.tone,
          value: [stateWord(deps, s.tone), ...briefParts(s.checks.filter((c) => c.brief !== false))].join(
            ' · ',
          ),
        })),
      },
      ...alertBlocks(deps, result.alerts),
      open.block,
    ],
    links: [...links(deps), ...open.links],
    context,
    data,
  };
}
