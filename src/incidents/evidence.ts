import type { Deps } from '../deps.ts';
import { jobIdFor } from '../queue/runtime.ts';

import { EVIDENCE_USER, serviceOf } from './evidence-config.ts';

export {
  DEFAULT_EVIDENCE,
  EVIDENCE_USER,
  type EvidenceConfig,
  type EvidenceItem,
  evidenceSchema,
  serviceOf,
} from './evidence-config.ts';

/** `{{name}}` → value; undefined when a placeholder has no safe value (a label missing or odd). */
export function fillTemplate(
  template: string,
  values: Record<string, string | undefined>,
): string | undefined {
  let missing = false;
  const out = template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined || !/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/.test(v)) {
      missing = true;
      return '';
    }
    return v;
  });
  return missing ? undefined : out.trim();
}

export interface OpenedIncident {
  incidentId: number;
  channel: string;
  threadTs: string;
  alertname: string;
  labels: Record<string, string>;
}

/**
 * Enqueues the configured diagnostics for a new incident as `run-command` jobs posting into its
 * thread. Job ids are per incident and item, so a retry of the hook enqueues nothing twice.
 */
export async function enqueueEvidence(deps: Deps, inc: OpenedIncident): Promise<number> {
  const items = deps.config.file.incidents.evidence[inc.alertname] ?? [];
  const service = serviceOf(inc.labels, deps.config.services);
  let enqueued = 0;
  for (const [index, item] of items.entries()) {
    const text = fillTemplate(item.args, { ...inc.labels, service });
    const command = deps.commands.get(item.command);
    const parsed = text === undefined || !command ? undefined : deps.commands.parse(command, text, deps);
    if (text === undefined || parsed?.kind !== 'ok') {
      deps.logger.warn(
        { incidentId: inc.incidentId, command: item.command, args: item.args, problem: parsed },
        'evidence item skipped: its arguments do not fit this alert',
      );
      continue;
    }
    await deps.queues.enqueue(
      'run-command',
      {
        command: item.command,
        text,
        userId: EVIDENCE_USER,
        channelId: inc.channel,
        threadTs: inc.threadTs,
        source: 'incident',
        incidentId: inc.incidentId,
        receivedAt: deps.now().getTime(),
      },
      { jobId: `evidence-${jobIdFor(String(inc.incidentId), String(index), item.command, text)}` },
    );
    enqueued += 1;
  }
  return enqueued;
}
