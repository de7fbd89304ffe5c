import { type IncidentsConfig, SEVERITIES, type Severity } from './config.ts';

/** `SEV2`, `sev2`, `2` → `SEV2`; undefined for anything else. */
export function parseSeverity(text: string | undefined | null): Severity | undefined {
  const m = /^(?:sev)?([1-4])$/i.exec((text ?? '').trim());
  return m ? (`SEV${m[1]}` as Severity) : undefined;
}

export const sevNumber = (s: Severity): number => Number(s.slice(3));

/** The severity of an alert's `severity` label, by the configured mapping. */
export function severityOfLabel(config: IncidentsConfig, label: string): Severity {
  return config.severities[label] ?? config.defaultSeverity;
}

/** An incident's severity: stored (set at intake, or changed by hand), else from its label. */
export function severityOf(config: IncidentsConfig, inc: { sev: number | null; severity: string }): Severity {
  if (inc.sev !== null && inc.sev >= 1 && inc.sev <= 4) return SEVERITIES[inc.sev - 1] as Severity;
  return severityOfLabel(config, inc.severity);
}

/**
 * The label an incident carries for a severity (what escalation policies are keyed by): the first
 * label mapped to it (SEV1 → critical with the defaults), else the severity itself in lower case.
 */
export function labelOfSeverity(config: IncidentsConfig, sev: Severity): string {
  return Object.entries(config.severities).find(([, s]) => s === sev)?.[0] ?? sev.toLowerCase();
}

export const SEVERITY_ICON: Record<Severity, string> = { SEV1: '🔴', SEV2: '🟠', SEV3: '🟡', SEV4: '🔵' };
