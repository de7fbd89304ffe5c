import type { FeatureMessages } from '../i18n/index.ts';

/** User-facing text of on-call (namespace `oncall`). Mentions are Slack IDs checked at start. */
export const oncallMessages: FeatureMessages = {
  namespace: 'oncall',
  'zh-CN': {
    title: '值班表',
    titleFor: '值班表 · {{name}}',
    notConfigured: '尚未配置值班表：在 CONFIG_FILE 中添加 oncall: 一节（见 docs/oncall.md）。',
    columns: ['值班表', '当前值班', '值到', '下一位', '覆盖范围'],
    overrideColumns: ['编号', '值班表', '值班人', '开始', '结束', '创建人'],
    nobody: '无人',
    tickedByBot: '✓ 机器人 {{at}}',
    overrideMark: '（临时替班）',
    unknownSchedule: '没有名为 "{{name}}" 的值班表或服务。可用：{{list}}',
    taken: '已登记替班 #{{id}}：{{user}} 负责 {{schedule}}，{{from}} 至 {{to}}。',
    takenTitle: '替班已登记',
    overridesTitle: '替班记录（生效中与将来）',
    noOverrides: '没有生效中或将来的替班。',
    cancelled: '替班 #{{id}} 已取消。',
    cancelledTitle: '替班已取消',
    noSuchOverride: '没有编号为 {{id}} 且仍有效的替班。',
    context: '时间按各值班表的时区显示 · /oncall take <值班表> <时长> [--from HH:MM] [--user @某人] 登记替班',
    event: {
      notified: '📟 已通知值班人 {{users}}（{{schedule}}）：请确认本事件。',
      escalated: '⏫ 升级第 {{step}} 步：{{users}}，事件 {{after}} 内无人确认。',
      here: '⏫ 升级第 {{step}} 步：<!here> 事件 {{after}} 内无人确认，请有空的同事接手。',
      channel: '⏫ 升级第 {{step}} 步：<!channel> 事件 {{after}} 内无人确认，请有空的同事接手。',
      nobody: '⚠️ 升级第 {{step}} 步：{{target}} 当前无人值班，已跳过。',
      reminder: '⏰ 提醒 {{users}}：本事件已确认 {{elapsed}}，仍未恢复。请更新进展或标记恢复。',
      stopped: '⏹ 已确认，升级停止（剩余 {{count}} 步取消）。',
      tickedByBot: '☑️ 机器人完成：{{item}}',
    },
    dm: {
      text: '📟 你正在值班：{{severity}} {{alertname}} 需要处理。事件串：{{link}}',
      escalated: '⏫ 事件升级到你：{{severity}} {{alertname}} 已 {{after}} 无人确认。事件串：{{link}}',
      reminder: '⏰ 提醒：{{alertname}} 已确认 {{elapsed}}，仍未恢复。事件串：{{link}}',
    },
    digest: {
      title: '今日值班',
      value: '{{user}}（至 {{until}}）',
      quiet: '长时间无进展的未恢复事件：',
      quietLine: '• 事件 #{{id}} {{alertname}}：{{minutes}} 分钟无动态',
    },
  },
  en: {
    title: 'On call',
    titleFor: 'On call · {{name}}',
    notConfigured:
      'No on-call schedule is configured: add an oncall: section to CONFIG_FILE (see docs/oncall.md).',
    columns: ['Schedule', 'On call now', 'Until', 'Next', 'Covers'],
    overrideColumns: ['ID', 'Schedule', 'Who', 'From', 'To', 'Created by'],
    nobody: 'nobody',
    tickedByBot: '✓ bot {{at}}',
    overrideMark: ' (override)',
    unknownSchedule: 'No schedule or service named "{{name}}". Known: {{list}}',
    taken: 'Override #{{id}} recorded: {{user}} covers {{schedule}} from {{from}} to {{to}}.',
    takenTitle: 'Override recorded',
    overridesTitle: 'Overrides (current and future)',
    noOverrides: 'No current or future overrides.',
    cancelled: 'Override #{{id}} cancelled.',
    cancelledTitle: 'Override cancelled',
    noSuchOverride: 'No override #{{id}} still in force.',
    context:
      "Times in each schedule's time zone · /oncall take <schedule> <duration> [--from HH:MM] [--user @someone] records an override",
    event: {
      notified: '📟 Notified the on-call person {{users}} ({{schedule}}): please acknowledge.',
      escalated: '⏫ Escalation step {{step}}: {{users}}, nobody acknowledged within {{after}}.',
      here: '⏫ Escalation step {{step}}: <!here> nobody acknowledged within {{after}}; whoever is free, please take it.',
      channel:
        '⏫ Escalation step {{step}}: <!channel> nobody acknowledged within {{after}}; whoever is free, please take it.',
      nobody: '⚠️ Escalation step {{step}}: nobody is on call for {{target}}; skipped.',
      reminder:
        '⏰ Reminder {{users}}: acknowledged {{elapsed}} ago and still not resolved. Please post an update or resolve it.',
      stopped: '⏹ Acknowledged: escalation stopped ({{count}} pending steps cancelled).',
      tickedByBot: '☑️ The bot did: {{item}}',
    },
    dm: {
      text: '📟 You are on call: {{severity}} {{alertname}} needs you. Thread: {{link}}',
      escalated:
        '⏫ Escalated to you: {{severity}} {{alertname}}, unacknowledged for {{after}}. Thread: {{link}}',
      reminder:
        '⏰ Reminder: {{alertname}} acknowledged {{elapsed}} ago, still not resolved. Thread: {{link}}',
    },
    digest: {
      title: 'On call today',
      value: '{{user}} (until {{until}})',
      quiet: 'Open incidents with no activity for long:',
      quietLine: '• Incident #{{id}} {{alertname}}: no activity for {{minutes}} min',
    },
  },
};
