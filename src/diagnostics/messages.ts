import type { FeatureMessages } from '../i18n/index.ts';

const zhCN = {
  disk: {
    title: '磁盘使用率',
    summary: '{{count}} 个磁盘，{{high}} 个超过 {{threshold}}%',
    noData: 'Prometheus 中没有 disk_free_bytes / disk_total_bytes 数据',
    columns: ['实例', 'job', '挂载点', '已用', '剩余'],
  },
  status: {
    up: 'up',
    rps: '请求率',
    errors: '5xx 比例',
    p50: 'p50',
    p95: 'p95',
    p99: 'p99',
    byStatus: '按状态码',
    health: '/health',
    connections: '连接',
    byState: '连接状态',
    memory: '内存',
    clients: '客户端',
    hitRatio: '命中率',
    live: '存活',
    cluster: '集群健康',
    esNodes: '{{n}} 个节点',
    esUnassigned: '{{n}} 个未分配分片',
    noData: '无数据',
    noTraffic: '无流量',
    downInstances: '宕机实例',
    noHealthUrl: '未配置 healthUrl',
    noMaxmemory: '未设置 maxmemory',
    notConfigured: '未配置 {{setting}}',
    stateUp: '正常',
    stateDegraded: '降级',
    stateDown: '故障',
    stateUnknown: '未知',
    summaryDegraded: '{{up}} 个正常（其中 {{degraded}} 个降级），{{down}} 个故障，{{unknown}} 个未知',
    firingCount: '；{{n}} 条告警正在触发',
    alertsTitle: '正在触发的告警',
    noAlerts: '无',
    openIncidents: '进行中的事件（{{count}}）：{{list}}',
    noOpenIncidents: '进行中的事件：无',
    openIncidentsUnknown: '进行中的事件：⚪ {{reason}}',
    incidentTablesMissing:
      '进行中的事件：⚪ 数据库 schema {{schema}} 中还没有事件表：机器人尚未在这个数据库上启动过（命令行工具请把 DATABASE_URL 指向机器人的数据库）',
    alertColumns: ['告警', '级别', '对象', '开始于', '摘要'],
    window: 'Prometheus 速率窗口 {{window}}',
  },
  logs: {
    title: '{{service}} 日志',
    kibana: '在 Kibana Discover 中打开',
    none: '该时间范围内没有匹配的日志。',
    shown: '最新 {{shown}} 条（共 {{total}} 条匹配，Elasticsearch 用时 {{ms}} ms），按时间倒序。',
    failure: {
      not_configured:
        '未配置 ELASTICSEARCH_URL，无法查询日志。请在机器人的环境变量中设置 Elasticsearch 地址。',
      unreachable:
        'Elasticsearch 无响应（{{detail}}）。请检查 ELASTICSEARCH_URL 与集群状态（`/status elasticsearch`）。',
      index_missing:
        '日志索引 `{{index}}` 不存在（{{detail}}）。请检查 LOG_INDEX 设置，或确认 Filebeat 正在写入日志。',
      bad_request: 'Elasticsearch 拒绝了查询（{{detail}}，参考编号 {{ref}}）。请简化搜索文本后重试。',
      other: '查询日志失败（{{detail}}，参考编号 {{ref}}）。',
    },
    bad: {
      service: '需要服务名，例如 `/logs laojun-admin-api`',
      serviceName: '服务名 `{{service}}` 无效：只能包含小写字母、数字和 - _ .（已配置：{{list}}）',
      level: '--level 只能是 {{list}}',
      since: '--since 需要时长，例如 30m、2h、1d',
      sinceMax: '--since {{since}} 超过上限 {{max}}',
      limit: '--limit 需要 1 到 {{max}} 之间的整数',
      trace: '--trace 只能包含字母、数字和 . _ : -（最多 128 个字符）',
      text: '搜索文本最多 {{max}} 个字符，且不能包含控制字符',
    },
  },
  slow: {
    title: 'PostgreSQL 慢查询',
    summary: '前 {{n}} 条语句，按{{sort}}排序（pg_stat_statements）。',
    sort: { total: '总耗时', mean: '平均耗时', calls: '调用次数' },
    statementColumns: ['#', '平均', '总计', '调用', '行数', '库/用户'],
    noStatements: 'pg_stat_statements 中还没有语句。',
    notPreloaded:
      'pg_stat_statements 未通过 shared_preload_libraries 加载，无法统计慢查询。按以下步骤启用（需要重启 PostgreSQL）：',
    notCreated: '数据库 {{database}} 中没有创建 pg_stat_statements 扩展。按以下步骤启用：',
    howToEnable: '启用 pg_stat_statements',
    stepPreload: '1. 在 postgresql.conf 中设置 shared_preload_libraries = {{value}}，或以超级用户执行：',
    stepRestart:
      '2. 重启 PostgreSQL（该设置只在启动时生效），例如 systemctl restart postgresql 或 docker restart postgres',
    stepCreate: '3. 在数据库 {{database}} 中以超级用户执行：',
    stepGrant:
      '4. 让机器人的数据库用户能看到所有语句：GRANT pg_read_all_stats TO <机器人用户>;（可选：pg_stat_statements.track = all）',
    locksTitle: 'PostgreSQL 锁等待',
    noLocks: '当前没有锁等待。',
    locksSummary: '{{n}} 个会话正在等待锁。',
    lockColumns: ['被阻塞 pid（用户）', '阻塞者 pid（用户）', '阻塞者状态', '已等待'],
    blocked: '被阻塞',
    blocking: '阻塞者',
    connectionsTitle: 'PostgreSQL 连接',
    connectionsSummary:
      '客户端连接 {{total}}/{{max}}（{{pct}}）；普通用户可用 {{usable}}，为超级用户保留 {{reserved}}。',
    connectionColumns: ['状态', '应用', '用户', '连接数'],
    indexesTitle: 'PostgreSQL 索引使用情况',
    indexesSummary: '{{used}} 个索引按扫描次数排序；{{unused}} 个从未使用（不含主键、唯一和约束索引）。',
    indexColumns: ['表', '索引', '扫描', '读取元组', '获取元组', '大小'],
    indexUsage: '索引使用（idx_scan 降序）',
    unusedIndexes: '从未使用的索引（可考虑删除）',
    noIndexes: '没有用户索引。',
    noUnused: '没有从未使用的索引。',
    failure: {
      unreachable:
        '无法连接 TARGET_DATABASE_URL 指向的 PostgreSQL（{{detail}}）。请检查数据库是否在运行（`/status postgresql`）。',
      timeout: '查询超过语句超时而被取消（{{detail}}）。数据库可能负载过高，请稍后重试。',
      permission: '机器人的数据库用户权限不足（{{detail}}）。请授予 pg_read_all_stats / pg_monitor。',
      other: '查询失败（{{detail}}，参考编号 {{ref}}）。',
    },
    bad: {
      view: '未知视图 `{{view}}`，可选：locks、connections、indexes',
      sort: '--sort 只能是 total、mean 或 calls',
      limit: '--limit 需要 1 到 {{max}} 之间的整数',
      extra: '多余的参数：{{value}}',
    },
  },
};

type Shape<T> = {
  [K in keyof T]: T[K] extends string ? string : T[K] extends readonly string[] ? string[] : Shape<T[K]>;
};

const en: Shape<typeof zhCN> = {
  disk: {
    title: 'Disk usage',
    summary: '{{count}} disks, {{high}} above {{threshold}}%',
    noData: 'Prometheus has no disk_free_bytes / disk_total_bytes data',
    columns: ['Instance', 'job', 'Mount', 'Used', 'Free'],
  },
  status: {
    up: 'up',
    rps: 'requests',
    errors: '5xx ratio',
    p50: 'p50',
    p95: 'p95',
    p99: 'p99',
    byStatus: 'by status',
    health: '/health',
    connections: 'connections',
    byState: 'by state',
    memory: 'memory',
    clients: 'clients',
    hitRatio: 'hit ratio',
    live: 'live',
    cluster: 'cluster health',
    esNodes: 'nodes: {{n}}',
    esUnassigned: 'unassigned shards: {{n}}',
    noData: 'no data',
    noTraffic: 'no traffic',
    downInstances: 'down',
    noHealthUrl: 'no healthUrl configured',
    noMaxmemory: 'no maxmemory',
    notConfigured: '{{setting}} is not set',
    stateUp: 'up',
    stateDegraded: 'degraded',
    stateDown: 'down',
    stateUnknown: 'unknown',
    summaryDegraded: '{{up}} up ({{degraded}} degraded), {{down}} down, {{unknown}} unknown',
    firingCount: '; alerts firing: {{n}}',
    alertsTitle: 'Alerts firing now',
    noAlerts: 'none',
    openIncidents: 'Open incidents ({{count}}): {{list}}',
    noOpenIncidents: 'Open incidents: none',
    openIncidentsUnknown: 'Open incidents: ⚪ {{reason}}',
    incidentTablesMissing:
      "Open incidents: ⚪ no incident tables in schema {{schema}}: the bot has not run on this database yet (for the CLI, point DATABASE_URL at the bot's database)",
    alertColumns: ['Alert', 'Severity', 'Target', 'Since', 'Summary'],
    window: 'Prometheus rate window {{window}}',
  },
  logs: {
    title: '{{service}} logs',
    kibana: 'Open in Kibana Discover',
    none: 'No matching log lines in that time range.',
    shown: 'Newest {{shown}} of {{total}} matching lines (Elasticsearch took {{ms}} ms), newest first.',
    failure: {
      not_configured:
        'ELASTICSEARCH_URL is not set, so logs cannot be searched. Set it in the bot’s environment.',
      unreachable:
        'Elasticsearch is not answering ({{detail}}). Check ELASTICSEARCH_URL and the cluster (`/status elasticsearch`).',
      index_missing:
        'The log index `{{index}}` does not exist ({{detail}}). Check LOG_INDEX, or whether Filebeat is shipping logs.',
      bad_request: 'Elasticsearch refused the query ({{detail}}, ref {{ref}}). Try simpler search text.',
      other: 'Searching the logs failed ({{detail}}, ref {{ref}}).',
    },
    bad: {
      service: 'a service name is needed, e.g. `/logs laojun-admin-api`',
      serviceName:
        'service name `{{service}}` is invalid: lowercase letters, digits, - _ . only (configured: {{list}})',
      level: '--level must be one of {{list}}',
      since: '--since needs a duration such as 30m, 2h or 1d',
      sinceMax: '--since {{since}} is beyond the maximum of {{max}}',
      limit: '--limit needs a whole number from 1 to {{max}}',
      trace: '--trace takes letters, digits and . _ : - only (at most 128)',
      text: 'search text is at most {{max}} characters, without control characters',
    },
  },
  slow: {
    title: 'PostgreSQL slow queries',
    summary: 'Top {{n}} statements by {{sort}} (pg_stat_statements).',
    sort: { total: 'total time', mean: 'mean time', calls: 'calls' },
    statementColumns: ['#', 'mean', 'total', 'calls', 'rows', 'db/user'],
    noStatements: 'pg_stat_statements has no statements yet.',
    notPreloaded:
      'pg_stat_statements is not loaded through shared_preload_libraries, so there are no statement statistics. To enable it (needs a PostgreSQL restart):',
    notCreated: 'The pg_stat_statements extension is not created in database {{database}}. To enable it:',
    howToEnable: 'Enabling pg_stat_statements',
    stepPreload: '1. Set shared_preload_libraries = {{value}} in postgresql.conf, or as a superuser run:',
    stepRestart:
      '2. Restart PostgreSQL (the setting is read only at start), e.g. systemctl restart postgresql or docker restart postgres',
    stepCreate: '3. In database {{database}}, as a superuser run:',
    stepGrant:
      '4. Let the bot’s database user see every statement: GRANT pg_read_all_stats TO <bot user>; (optional: pg_stat_statements.track = all)',
    locksTitle: 'PostgreSQL lock waits',
    noLocks: 'No session is waiting for a lock.',
    locksSummary: 'Sessions waiting for a lock: {{n}}.',
    lockColumns: ['blocked pid (user)', 'blocking pid (user)', 'blocker state', 'waiting'],
    blocked: 'blocked',
    blocking: 'blocking',
    connectionsTitle: 'PostgreSQL connections',
    connectionsSummary:
      '{{total}}/{{max}} client connections ({{pct}}); {{usable}} usable by ordinary users, {{reserved}} reserved for superusers.',
    connectionColumns: ['state', 'application', 'user', 'connections'],
    indexesTitle: 'PostgreSQL index usage',
    indexesSummary:
      '{{used}} indexes by scans; {{unused}} never used (primary key, unique and constraint indexes left out).',
    indexColumns: ['table', 'index', 'scans', 'tuples read', 'tuples fetched', 'size'],
    indexUsage: 'Index usage (idx_scan, highest first)',
    unusedIndexes: 'Indexes never used (candidates to drop)',
    noIndexes: 'No user indexes.',
    noUnused: 'No unused indexes.',
    failure: {
      unreachable:
        'Cannot reach the PostgreSQL of TARGET_DATABASE_URL ({{detail}}). Check that it is running (`/status postgresql`).',
      timeout:
        'The query hit the statement timeout and was cancelled ({{detail}}). The database may be overloaded; try again shortly.',
      permission:
        'The bot’s database user lacks a privilege ({{detail}}). Grant it pg_read_all_stats / pg_monitor.',
      other: 'The query failed ({{detail}}, ref {{ref}}).',
    },
    bad: {
      view: 'unknown view `{{view}}`; choose locks, connections or indexes',
      sort: '--sort must be total, mean or calls',
      limit: '--limit needs a whole number from 1 to {{max}}',
      extra: 'unexpected argument: {{value}}',
    },
  },
};

/** The diagnostics feature's messages (namespace `diagnostics`). */
export const diagnosticsMessages: FeatureMessages = { namespace: 'diagnostics', 'zh-CN': zhCN, en };
