import type { Config } from '../config.ts';
import type { Locale, Translate } from '../i18n/index.ts';

/** One phase of the response checklist. */
export interface ChecklistPhase {
  id: string;
  title?: string;
  items: string[];
}

/**
 * The manual's `incident_response` (运维手册 · 故障处理清单), in its own words. CONFIG_FILE's
 * `checklist:` replaces it.
 */
export const DEFAULT_CHECKLIST: ChecklistPhase[] = [
  {
    id: 'immediate_actions',
    items: ['确认故障范围和影响', '通知相关人员', '启动应急预案', '记录故障时间和现象'],
  },
  {
    id: 'investigation',
    items: ['收集日志和监控数据', '分析错误信息', '检查系统资源使用', '确定根本原因'],
  },
  {
    id: 'resolution',
    items: ['实施修复措施', '验证服务恢复', '监控系统稳定性', '更新故障状态'],
  },
  {
    id: 'post_incident',
    items: ['编写故障报告', '总结经验教训', '制定预防措施', '更新运维文档'],
  },
];

/**
 * The manual's checklist in English, item for item (same phase ids and positions, so a tick made
 * under one locale is the same item under the other). The Chinese above stays the source.
 */
const DEFAULT_CHECKLIST_EN: Record<string, string[]> = {
  immediate_actions: [
    'Confirm the scope and impact of the failure',
    'Notify the people concerned',
    'Start the emergency plan',
    'Record when the failure began and what was seen',
  ],
  investigation: [
    'Collect logs and monitoring data',
    'Analyse the error messages',
    'Check system resource usage',
    'Find the root cause',
  ],
  resolution: [
    'Apply the fix',
    'Verify that the service has recovered',
    'Watch the system for stability',
    'Update the incident status',
  ],
  post_incident: [
    'Write the incident report',
    'Sum up the lessons learned',
    'Decide on preventive measures',
    'Update the operations documentation',
  ],
};

/** The manual's checklist in a locale: English with `LOCALE=en`, the manual's Chinese otherwise. */
export function defaultChecklist(locale: Locale): ChecklistPhase[] {
  if (locale !== 'en') return DEFAULT_CHECKLIST;
  return DEFAULT_CHECKLIST.map((p) => ({
    ...p,
    items: p.items.map((item, i) => DEFAULT_CHECKLIST_EN[p.id]?.[i] ?? item),
  }));
}

/** CONFIG_FILE's `checklist:` as written, or the manual's in the bot's locale. */
export function checklistOf(config: Pick<Config, 'file'> & { locale?: Locale }): ChecklistPhase[] {
  return config.file.checklist ?? defaultChecklist(config.locale ?? 'zh-CN');
}

/** Stable key of an item: `<phase id>:<index>`. */
export function itemKey(phaseId: string, index: number): string {
  return `${phaseId}:${index}`;
}

export function phaseTitle(phase: ChecklistPhase, t: Translate): string {
  if (phase.title) return phase.title;
  const key = `incidents.phase.${phase.id}`;
  const translated = t(key);
  return translated === key ? phase.id : translated;
}

export interface Tick {
  by: string;
  at: string;
}

export type Ticks = Record<string, Tick>;

export function progress(phases: readonly ChecklistPhase[], ticks: Ticks): { done: number; total: number } {
  let done = 0;
  let total = 0;
  for (const p of phases) {
    p.items.forEach((_, i) => {
      total += 1;
      if (ticks[itemKey(p.id, i)]) done += 1;
    });
  }
  return { done, total };
}

/** The label of an item key, or the key itself when the checklist changed since it was ticked. */
export function itemLabel(phases: readonly ChecklistPhase[], key: string): string {
  const [phaseId, idx] = key.split(':');
  const phase = phases.find((p) => p.id === phaseId);
  return phase?.items[Number(idx)] ?? key;
}
