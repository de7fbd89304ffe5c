/**
 * An open-loop load: requests start at fixed intervals (`rate` per second) whatever the server does,
 * spread over a keep-alive pool of `connections`. Latency is measured from when a request was due,
 * not from when it could be sent, so a stalled server is not hidden (no coordinated omission).
 *
 * autocannon's rate options pace each connection on timers that start together, which turns "100
 * requests a second over 100 connections" into one burst of 100 every second.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

export interface OpenLoopResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

export async function openLoop(opts: {
  url: string;
  rate: number;
  seconds: number;
  connections: number;
  body: string;
  headers: Record<string, string>;
}): Promise<OpenLoopResult> {
  const target = new URL(opts.url);
  const pool = new Pool(target.origin, { connections: opts.connections, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const inFlight: Array<Promise<void>> = [];
  const interval = 1000 / opts.rate;
  const total = Math.round(opts.rate * opts.seconds);
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      pool
        .request({ path: target.pathname, method: 'POST', headers: opts.headers, body: opts.body })
        .then(async (res) => {
          await res.body.dump();
          if (res.statusCode !== 200) errors++;
          latencies.push(performance.now() - due);
        })
        .catch(() => {
          errors++;
        }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return {
    requests: latencies.length,
    rps: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    max: Math.round(latencies.at(-1) ?? 0),
    errors,
  };
}
