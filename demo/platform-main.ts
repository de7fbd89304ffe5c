/**
 * The simulated Laojun platform as a process (compose profile "demo"): the four services on the manual's
 * ports, plus a control port to break and mend them:
 *   curl -X POST localhost:8099/break/admin-api?fault=down   (down | errors | slow)
 *   curl -X POST localhost:8099/mend/admin-api
 *   curl localhost:8099/
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { type Fault, startLaojunPlatform } from './platform.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '0.0.0.0' },
    'control-port': { type: 'string', default: '8099' },
  },
});

const platform = await startLaojunPlatform({ host: values.host, ports: 'manual' });
const control = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://control');
  const m = /^\/(break|mend)\/([a-z-]+)$/.exec(url.pathname);
  try {
    if (req.method === 'POST' && m) {
      if (m[1] === 'break') platform.break(m[2] ?? '', (url.searchParams.get('fault') ?? 'down') as Fault);
      else platform.mend(m[2] ?? '');
    } else if (req.method !== 'GET' || url.pathname !== '/') {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('POST /break/<service>?fault=down|errors|slow, POST /mend/<service>, GET /\n');
      return;
    }
    const state = platform.services.map((s) => ({ service: s.name, port: s.port, fault: s.fault ?? null }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(state)}\n`);
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
  }
});
control.listen(Number(values['control-port']), values.host, () => {
  process.stdout.write(
    `laojun platform simulator: ${platform.services.map((s) => `${s.name}:${s.port}`).join(' ')}; control :${values['control-port']}\n`,
  );
});
const stop = async () => {
  control.close();
  await platform.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
