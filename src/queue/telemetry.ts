import type { Telemetry } from 'bullmq';

/**
 * BullMQ's telemetry option (bullmq-otel) while tracing is on; set by src/telemetry.ts. Kept apart from
 * it so the queue runtime does not load the OpenTelemetry SDK when tracing is off.
 */
let current: Telemetry | undefined;

export function queueTelemetry(): Telemetry | undefined {
  return current;
}

export function setQueueTelemetry(telemetry: Telemetry | undefined): void {
  current = telemetry;
}
