/**
 * A simulated Laojun platform for the demo and the compose "demo" profile: the four services of the ops
 * manual's topology, each serving `/metrics` (the manual's application metric names) and `/health`.
 * A service can be broken (down: scrapes and health checks fail → the manual's ServiceDown; errors: 5xx
 * traffic → HighErrorRate; slow: slow responses → HighResponseTime) and mended.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LAOJUN_SERVICES = [
  { name: 'admin-api', job: 'laojun-admin-api', port: 8080 },
  { name: 'marketplace-api', job: 'laojun-marketplace-api', port: 8081 },
  { name: 'config-center', job: 'laojun-config-center', port: 8082 },
  { name: 'gateway', job: 'laojun-gateway', port: 8083 },
] as const;

export type ServiceName = (typeof LAOJUN_SERVICES)[number]['name'];
export type Fault = 'down' | 'errors' | 'slow';
export const FAULTS: readonly Fault[] = ['down', 'errors', 'slow'];

export interface SimulatedService {
  name: ServiceName;
  job: string;
  port: number;
  /** `host:port` to scrape. */
  hostPort: string;
  fault?: Fault;
}

export interface LaojunPlatform {
  services: SimulatedService[];
  get(name: string): SimulatedService;
  break(name: string, fault?: Fault): void;
  mend(name: string): void;
  close(): Promise<void>;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Request counters grow with time: steady traffic, plus errors or slowness while a fault is set. */
class Traffic {
  private ok = 0;
  private errors = 0;
  private readonly bucketCounts = BUCKETS.map(() => 0);
  private count = 0;
  private sum = 0;
  private last = Date.now();

  advance(fault: Fault | undefined): void {
    const now = Date.now();
    const seconds = (now - this.last) / 1000;
    this.last = now;
    const requests = 20 * seconds; // 20 req/s
    const errorShare = fault === 'errors' ? 0.5 : 0.001;
    this.errors += requests * errorShare;
    this.ok += requests * (1 - errorShare);
    const latency = fault === 'slow' ? 3 : 0.04;
    BUCKETS.forEach((le, i) => {
      if (latency <= le) this.bucketCounts[i] = (this.bucketCounts[i] ?? 0) + requests;
    });
    this.count += requests;
    this.sum += requests * latency;
  }

  render(): string {
    const r = (n: number) => Math.floor(n);
    const lines = [
      '# HELP http_requests_total HTTP requests',
      '# TYPE http_requests_total counter',
      `http_requests_total{method="GET",status="200"} ${r(this.ok)}`,
      `http_requests_total{method="GET",status="500"} ${r(this.errors)}`,
      '# HELP http_request_duration_seconds HTTP request duration',
      '# TYPE http_request_duration_seconds histogram',
      ...BUCKETS.map(
        (le, i) => `http_request_duration_seconds_bucket{le="${le}"} ${r(this.bucketCounts[i] ?? 0)}`,
      ),
      `http_request_duration_seconds_bucket{le="+Inf"} ${r(this.count)}`,
      `http_request_duration_seconds_sum ${this.sum.toFixed(3)}`,
      `http_request_duration_seconds_count ${r(this.count)}`,
      '# TYPE http_requests_in_flight gauge',
      'http_requests_in_flight 3',
      '# TYPE db_connections_active gauge',
      'db_connections_active 6',
      '# TYPE db_connections_idle gauge',
      'db_connections_idle 4',
      '# TYPE db_connections_max gauge',
      'db_connections_max 25',
      '# TYPE disk_free_bytes gauge',
      `disk_free_bytes ${120 * 2 ** 30}`,
      '# TYPE disk_total_bytes gauge',
      `disk_total_bytes ${200 * 2 ** 30}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Starts the four services. `ports: 'manual'` uses the manual's ports (8080–8083: the compose profile);
 * `'free'` (default) lets the OS choose, for a laptop where the bot already uses 8080.
 */
export async function startLaojunPlatform(
  opts: { host?: string; ports?: 'manual' | 'free' } = {},
): Promise<LaojunPlatform> {
  const host = opts.host ?? '127.0.0.1';
  const servers: Server[] = [];
  const services: SimulatedService[] = [];
  try {
    for (const def of LAOJUN_SERVICES) {
      const traffic = new Traffic();
      const svc: SimulatedService = { name: def.name, job: def.job, port: 0, hostPort: '' };
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        traffic.advance(svc.fault);
        if (svc.fault === 'down') {
          res.writeHead(503, { 'content-type': 'text/plain' }).end('service unavailable\n');
          return;
        }
        if (req.url === '/metrics') {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(traffic.render());
        } else if (req.url === '/health') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        } else {
          res.writeHead(404).end();
        }
      });
      servers.push(server);
      svc.port = await listen(server, host, opts.ports === 'manual' ? def.port : 0);
      svc.hostPort = `${host === '0.0.0.0' ? '127.0.0.1' : host}:${svc.port}`;
      services.push(svc);
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    throw err;
  }
  const get = (name: string): SimulatedService => {
    const svc = services.find((s) => s.name === name || s.job === name);
    if (!svc) {
      throw new Error(`unknown service ${name}: expected one of ${services.map((s) => s.name).join(', ')}`);
    }
    return svc;
  };
  return {
    services,
    get,
    break(name, fault = 'down') {
      if (!FAULTS.includes(fault)) throw new Error(`unknown fault ${fault}: expected ${FAULTS.join(', ')}`);
      get(name).fault = fault;
    },
    mend(name) {
      get(name).fault = undefined;
    },
    async close() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
