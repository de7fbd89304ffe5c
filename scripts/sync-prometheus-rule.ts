/**
 * Writes deploy/kubernetes/monitoring/prometheusrule.yaml from deploy/prometheus/rules/laojun-chatops.yml,
 * so the Prometheus Operator gets the same rules as the compose stack (test/integration/deploy.test.ts
 * fails when they differ). Run: npx tsx scripts/sync-prometheus-rule.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

export const RULES_FILE = 'deploy/prometheus/rules/laojun-chatops.yml';
export const PROMETHEUS_RULE_FILE = 'deploy/kubernetes/monitoring/prometheusrule.yaml';

export function prometheusRule(rulesYaml: string): Record<string, unknown> {
  const rules = parse(rulesYaml) as { groups: unknown[] };
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'laojun-chatops',
      namespace: 'laojun',
      labels: { 'app.kubernetes.io/name': 'laojun-chatops', 'app.kubernetes.io/part-of': 'laojun' },
    },
    spec: { groups: rules.groups },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const header = `# Generated from ${RULES_FILE} by scripts/sync-prometheus-rule.ts; edit that file, not this one.\n`;
  writeFileSync(
    PROMETHEUS_RULE_FILE,
    header + stringify(prometheusRule(readFileSync(RULES_FILE, 'utf8')), { lineWidth: 0 }),
  );
  process.stdout.write(`wrote ${PROMETHEUS_RULE_FILE}\n`);
}
