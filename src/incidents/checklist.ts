import type { Config } from '../config.ts';
import type { Translate } from '../i18n/index.ts';

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

export function checklistOf(config: Pick<Config, 'file'>): ChecklistPhase[] {
  return config.file.checklist ?? DEFAULT_CHECKLIST;
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
