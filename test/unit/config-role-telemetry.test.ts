import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, telemetrySettings } from '../../src/config.ts';

const env = { DATABASE_URL: 'postgres://x@127.0.0.1/db' };

describe('BOT_ROLE in the configuration', () => {
  it('is all by default, web or worker when set', () => {
    expect(loadConfig(env).role).toBe('all');
    expect(loadConfig({ ...env, BOT_ROLE: 'worker' }).role).toBe('worker');
    expect(loadConfig({ ...env, BOT_ROLE: ' web ' }).role).toBe('web');
  });

  it('refuses any other value with one line naming the setting and the choices', () => {
    expect(() => loadConfig({ ...env, BOT_ROLE: 'workers' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, BOT_ROLE: 'workers' })).toThrow(
      'BOT_ROLE invalid: expected all, web or worker',
    );
  });
});

describe('OpenTelemetry settings in the configuration', () => {
  it('are off without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(telemetrySettings({})).toBeUndefined();
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
    expect(loadConfig(env).telemetry).toBeUndefined();
  });

  it('send traces to <endpoint>/v1/traces unless the traces endpoint is given', () => {
    expect(loadConfig({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318/' }).telemetry).toEqual({
      tracesUrl: 'http://jaeger:4318/v1/traces',
      serviceName: 'laojun-chatops',
    });
    expect(
      telemetrySettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/traces',
        OTEL_SERVICE_NAME: 'chatops-eu',
      }),
    ).toEqual({ tracesUrl: 'http://collector:4318/traces', serviceName: 'chatops-eu' });
  });

  it('refuse an endpoint that is not a URL, naming the setting', () => {
    expect(() => loadConfig({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' })).toThrow(
      /^OTEL_EXPORTER_OTLP_ENDPOINT invalid: expected a URL like http:\/\/jaeger:4318$/,
    );
    expect(() => telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'x', OTEL_SERVICE_NAME: 'a' })).toThrow(
      /^OTEL_EXPORTER_OTLP_ENDPOINT invalid/,
    );
  });

  it('keep a password in the endpoint among the secrets to redact', () => {
    const c = loadConfig({
      ...env,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:s3cret-token@otlp.example.com',
    });
    expect(c.secrets).toContain('s3cret-token');
  });
});
