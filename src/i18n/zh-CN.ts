/** Simplified Chinese (default). Keys are shared with en.ts; a missing key falls back to this file. */
export const zhCN = {
  common: {
    unknown: '未知',
    ok: '正常',
    down: '故障',
    failedRef: '执行失败（参考编号 {{ref}}），请把编号告诉维护机器人的同事。',
    working: '⏳ 正在执行 `{{command}}`，完成后回复你。',
    queueDown:
      '⚠️ 任务队列暂不可用（Redis 无响应），`{{command}}` 未执行。请稍后重试；若持续出现，请检查 Redis（参考编号 {{ref}}）。',
    fullOutputAttached: '输出较长，完整内容见附件 {{file}}。',
    fullOutputSentToYou: '输出较长，完整内容见 {{file}}，已通过私信发给你。',
    truncated: '（已截断）',
    labelled: '{{label}}：{{value}}',
    parenthesised: '（{{text}}）',
  },
  commands: {
    unknownCommand: '未知命令 `{{command}}`。可用命令：{{list}}',
    badArgs: '参数有误：{{reason}}',
    usage: '用法：{{usage}}',
    examples: '示例',
    helpTitle: '/{{command}} 帮助',
    helpAll: '可用命令',
    permission: '所需权限',
    denied: '你没有 `{{permission}}` 权限，无法执行 `{{command}}`。请联系 {{grantedBy}} 授权。',
    rateLimited: '操作过于频繁（每分钟上限已到），请 {{seconds}} 秒后再试。',
    youMayRun: '你可以使用的命令',
    mention: {
      notIncidentThread:
        '在事件线程中 @ 我并附上命令即可运行，例如 `@laojun status laojun-admin-api`；其他地方请使用斜杠命令，例如 `/status`。',
      usage:
        '请在 @ 我之后写上命令，例如 `@laojun status laojun-admin-api` 或 `@laojun /logs laojun-gateway`。',
      failed: '无法处理这条命令（参考号 {{ref}}），请稍后重试或使用斜杠命令。',
    },
    channelDenied:
      '此频道不允许执行机器人命令。请在运维频道中使用，或请 {{grantedBy}} 授予你 `{{permission}}` 权限。',
    buttonChannelDenied:
      '此按钮需要 `{{permission}}` 权限，你在此频道中没有该权限。请联系 {{grantedBy}} 为你授权，或把此频道加入 `permissions.channels`。',
    tablesMissing:
      '数据库 schema {{schema}} 中没有机器人的表：机器人尚未在这个数据库上启动过。请把 DATABASE_URL（必要时还有 DATABASE_SCHEMA）指向机器人使用的数据库。',
    consoleReady: '控制台模式：输入斜杠命令，例如 /status；/help 列出全部命令。',
    consoleHint: '输入斜杠命令，例如 `/status`；`/<命令> help` 查看某个命令的用法。',
    consoleSlash: '命令以 / 开头：请输入 `{{command}}`。',
    columnCommand: '命令',
    columnWhat: '说明',
    cliUsage:
      '用法：npx laojun <命令> [参数] [--json] [--verbose]；npx laojun help <命令> 查看某个命令的用法。',
    cliOptions:
      '--json 以 JSON 输出报告的数据（数值与单位为独立字段）；--verbose 在标准错误输出中说明使用的数据库。',
    cliExitCodes:
      '退出码：0 完成；1 被拒绝（会说明原因）；2 报告为错误（例如服务故障）；64 参数有误；69 机器人的表不存在；70 执行失败（会给出参考编号）；78 配置错误。',
    notAudited: '注意：本次命令未写入审计日志（{{reason}}）。',
  },
  args: {
    unknownFlag: '未知选项 --{{flag}}',
    missingValue: '选项 --{{flag}} 需要一个值',
    unclosedQuote: '引号未闭合',
    unexpected: '多余的参数：{{value}}',
  },
  status: {
    title: '太上老君平台状态',
    titleService: '{{service}} 状态',
    summary: '{{up}} 个正常，{{down}} 个故障，{{unknown}} 个未知',
    services: '服务',
    state: '状态',
    detail: '详情',
    up: '🟢 正常',
    downState: '🔴 故障',
    unknownState: '⚪ 未知',
    prometheusNotConfigured: '未配置 PROMETHEUS_URL',
    noTargets: 'Prometheus 中没有 job={{job}} 的目标',
    probe: '{{name}}：{{detail}}',
    checkedAt: '检查时间 {{time}}',
    unknownService: '未知服务 `{{service}}`。已配置的服务：{{list}}',
  },
};
