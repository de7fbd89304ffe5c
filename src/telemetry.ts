/**
 * OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (e.g. http://jaeger:4318).
 *
 * One trace per slash command or alert: the HTTP request (http + express instrumentation) → the BullMQ job
 * (bullmq-otel carries the trace context in the job's options, never in its data) → the worker's
 * `process` span → the Slack calls (axios through node:http, response_url through fetch/undici).
 *
 * Started first in src/main.ts, before the modules it instruments are loaded. Standard OTEL_* variables
 * apply (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, OTEL_BSP_SCHEDULE_DELAY, ...).
 */
import { createRequire } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Telemetry as QueueTelemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import type { TelemetrySettings } from './config.ts';

/** Requests not worth a trace: probes and scrapes. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The part of a URL that may go into a span: no query string, and no path segment that looks like a
 * credential (a response_url is `/commands/<team>/<id>/<secret>`).
 */
export function traceableUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname
      .split('/')
      .map((segment) => (/^[A-Za-z0-9_-]{16,}$/.test(segment) ? '…' : segment))
      .join('/');
    return `${u.origin}${path}`;
  } catch {
    return '…';
  }
}

/** Span attributes for an outgoing request, overriding what the instrumentation recorded. */
function urlAttributes(origin: string, path: string): Record<string, string> {
  const full = traceableUrl(`${origin}${path}`);
  const pathname = full === '…' ? '…' : new URL(full).pathname;
  return { 'url.full': full, 'url.path': pathname, 'http.target': pathname, 'url.query': '' };
}

export interface Telemetry {
  /** BullMQ's tracing: pass it to createBot (`queueTelemetry`) so jobs join the request's trace. */
  queue: QueueTelemetry;
  /** Exports what is buffered. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Starts tracing with settings from the configuration (telemetrySettings in src/config.ts); undefined: off. */
export function startTelemetry(settings: TelemetrySettings | undefined): Telemetry | undefined {
  if (!settings) return undefined;
  const exporter = new OTLPTraceExporter({ url: settings.tracesUrl });
  const processor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      [ATTR_SERVICE_VERSION]: process.env.npm_package_version ?? '0.1.0',
    }),
    spanProcessors: [processor],
  });
  // Global tracer provider, W3C trace-context propagator and AsyncLocalStorage context manager.
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
        // The exporter's own requests would trace themselves.
        ignoreOutgoingRequestHook: (req) => String(req.path ?? '').startsWith('/v1/traces'),
        requestHook: (span, req) => {
          // Outgoing requests only (a ClientRequest has path and host).
          if ('path' in req && typeof req.path === 'string' && 'host' in req) {
            span.setAttributes(urlAttributes(`${req.protocol ?? 'http:'}//${String(req.host)}`, req.path));
          }
        },
      }),
      new ExpressInstrumentation(),
      new UndiciInstrumentation({
        requestHook: (span, req) => span.setAttributes(urlAttributes(req.origin, req.path)),
      }),
    ],
  });
  // The bot is ESM: node:http and express may have been loaded before the instrumentations hooked `require`, which
  // is where the instrumentations patch. Requiring them again applies the patches to the shared module
  // objects (http.Server.prototype, express' Router), so servers created afterwards are traced.
  const require = createRequire(import.meta.url);
  for (const mod of ['node:http', 'node:https', 'express']) {
    try {
      require(mod);
    } catch {
      // not installed: nothing to patch
    }
  }
  return {
    queue: new BullMQOtel({ tracerName: 'laojun-chatops', enableMetrics: false }),
    flush: () => processor.forceFlush(),
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  };
}
