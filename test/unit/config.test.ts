import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const base = { DATABASE_URL: 'postgres://laojun:s3cretpass@db:5432/chatops' };

function errorOf(env: Record<string, string>, readFile?: (p: string) => string): string {
  try {
    loadConfig(env, readFile ? { readFile } : {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('runs in console mode with defaults when no Slack token is set', () => {
    const c = loadConfig(base);
    expect(c.slack.mode).toBe('console');
    expect(c.port).toBe(8080);
    expect(c.queuePrefix).toBe('laojun');
    expect(c.logIndex).toBe('laojun-logs-*');
    expect(c.minio.bucket).toBe('laojun-bucket');
    expect(c.slack.apiUrl).toBe('https://slack.com/api/');
    expect(c.targetDatabaseUrl).toBe(base.DATABASE_URL);
    expect(c.locale).toBe('zh-CN');
    expect(c.databaseSchema).toBe('chatops');
  });

  it('chooses HTTP mode with a signing secret and Socket Mode with an app token', () => {
    const hooked = { ...base, ALERT_WEBHOOK_TOKEN: 'hook-token' };
    expect(loadConfig({ ...hooked, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'abc' }).slack.mode).toBe(
      'http',
    );
    expect(loadConfig({ ...hooked, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack.mode).toBe(
      'socket',
    );
  });

  it('refuses to run /alerts unauthenticated outside console mode unless explicitly allowed', () => {
    for (const slack of <Record<string, string>[]>[
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'abc' },
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' },
    ]) {
      expect(errorOf({ ...base, ...slack })).toMatch(/^ALERT_WEBHOOK_TOKEN is required outside console mode/);
      expect(errorOf({ ...base, ...slack, ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED: 'false' })).toMatch(
        /^ALERT_WEBHOOK_TOKEN is required/,
      );
      const open = loadConfig({ ...base, ...slack, ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED: 'true' });
      expect(open.alertWebhookAllowUnauthenticated).toBe(true);
      expect(open.alertWebhookToken).toBeUndefined();
    }
    expect(errorOf({ ...base, ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED: 'yes' })).toMatch(
      /^ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED invalid/,
    );
    // Console mode (a laptop) needs neither.
    expect(loadConfig(base).alertWebhookToken).toBeUndefined();
  });

  it('names the missing setting in one line', () => {
    expect(errorOf({})).toBe('DATABASE_URL is required');
  });

  it('refuses an empty signing secret', () => {
    expect(errorOf({ ...base, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: '  ' })).toMatch(
      /^SLACK_SIGNING_SECRET is empty/,
    );
    expect(errorOf({ ...base, SLACK_BOT_TOKEN: 'xoxb-1' })).toMatch(/^SLACK_SIGNING_SECRET is required/);
  });

  it('names the wrong setting and what is expected', () => {
    expect(errorOf({ ...base, PORT: 'eighty' })).toBe('PORT invalid: expected a TCP port number');
    expect(errorOf({ ...base, PORT: '70000' })).toMatch(/^PORT invalid: expected a port/);
    expect(errorOf({ ...base, PROMETHEUS_URL: 'prometheus:9090' })).toMatch(
      /^PROMETHEUS_URL invalid: expected a URL/,
    );
    expect(errorOf({ ...base, SLACK_INCIDENT_CHANNEL: '#incidents' })).toMatch(
      /^SLACK_INCIDENT_CHANNEL invalid: expected a Slack ID/,
    );
    expect(errorOf({ ...base, SLACK_BOT_TOKEN: 'not-a-token', SLACK_SIGNING_SECRET: 'x' })).toMatch(
      /^SLACK_BOT_TOKEN invalid/,
    );
  });

  it('never echoes a secret value in an error', () => {
    const msg = errorOf({
      ...base,
      ALERT_WEBHOOK_TOKEN: 'hook-token',
      SLACK_BOT_TOKEN: 'xoxb-very-secret-token',
      SLACK_APP_TOKEN: 'bad-app-token-value',
    });
    expect(msg).not.toContain('bad-app-token-value');
    expect(msg).not.toContain('xoxb-very-secret-token');
  });

  it('collects secrets (tokens, URL passwords) for redaction', () => {
    const c = loadConfig({
      ...base,
      ALERT_WEBHOOK_TOKEN: 'hook-token',
      SLACK_BOT_TOKEN: 'xoxb-abc123',
      SLACK_SIGNING_SECRET: 'sign-secret',
    });
    expect(c.secrets).toEqual(expect.arrayContaining(['xoxb-abc123', 'sign-secret', 's3cretpass']));
  });

  it('reads the YAML file and names a wrong entry with its path', () => {
    const yaml =
      'locale: en\npermissions:\n  admins: [U012ABC]\nservices:\n  - name: laojun-gateway\n    job: laojun-gateway\n';
    const c = loadConfig({ ...base, CONFIG_FILE: '/etc/laojun.yml' }, { readFile: () => yaml });
    expect(c.locale).toBe('en');
    expect(c.file.permissions.admins).toEqual(['U012ABC']);
    expect(c.services.map((s) => s.name)).toEqual(['laojun-gateway']);
    expect(
      errorOf({ ...base, CONFIG_FILE: '/etc/laojun.yml' }, () => 'permissions:\n  admins: [alice]\n'),
    ).toMatch(/^CONFIG_FILE \/etc\/laojun.yml permissions.admins.0: expected Slack user IDs/);
    expect(errorOf({ ...base, CONFIG_FILE: '/etc/laojun.yml' }, () => 'a: [1, 2')).toMatch(
      /cannot read YAML/,
    );
  });

  it('never prints the YAML source in a syntax error (the line can hold a password)', () => {
    const env = { ...base, CONFIG_FILE: '/etc/laojun.yml' };
    for (const yaml of [
      'links:\n  grafana: "https://admin:hunter2-secret@grafana\n',
      'a: 1\nb: [password: hunter2-secret\n',
      'a: 1\na: hunter2-secret\n',
      'x: *hunter2-secret\n',
    ]) {
      const msg = errorOf(env, () => yaml);
      expect(msg).toMatch(/^CONFIG_FILE \/etc\/laojun.yml: cannot read YAML: /);
      expect(msg).not.toContain('hunter2');
      expect(msg).not.toContain('\n');
    }
    expect(errorOf(env, () => 'a: 1\na: hunter2-secret\n')).toBe(
      'CONFIG_FILE /etc/laojun.yml: cannot read YAML: Map keys must be unique (line 2, column 1)',
    );
  });

  it('refuses a redact pattern that is not a regular expression as a configuration error', () => {
    expect(
      errorOf(
        { ...base, CONFIG_FILE: '/etc/laojun.yml' },
        () => 'redact:\n  - "token=[a-z]+"\n  - "(unclosed"\n',
      ),
    ).toMatch(
      /^CONFIG_FILE \/etc\/laojun.yml redact.1: not a valid regular expression \(Unterminated group\)$/,
    );
  });

  it("takes a crashed worker's lock duration from the file, refusing one too short to renew", () => {
    const file = (yaml: string) => ({ readFile: () => yaml });
    expect(loadConfig(base).file.queue.lockDurationMs).toBe(30_000);
    const c = loadConfig(
      { ...base, CONFIG_FILE: '/etc/laojun.yml' },
      file('queue:\n  lockDurationMs: 6000\n'),
    );
    expect(c.file.queue.lockDurationMs).toBe(6_000);
    expect(
      errorOf({ ...base, CONFIG_FILE: '/etc/laojun.yml' }, () => 'queue:\n  lockDurationMs: 500\n'),
    ).toMatch(/^CONFIG_FILE \/etc\/laojun.yml queue.lockDurationMs: .*5000/);
  });
});
