#!/usr/bin/env node
// `npm start`: runs the compiled JavaScript (dist/), building it first when it is missing or older
// than the sources (a fresh clone, a `git pull`). Compiled code starts and answers its first
// command faster than tsx compiling TypeScript on the fly. `npm run dev` keeps tsx for development.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src', 'main.js');

function newest(dir) {
  let latest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    latest = Math.max(latest, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return latest;
}

function built() {
  try {
    return statSync(entry).mtimeMs;
  } catch {
    return 0;
  }
}

const sources = Math.max(
  ...['src', 'commands', 'jobs', 'migrations'].map((d) => newest(join(root, d))),
  ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(root, f)).mtimeMs),
);
if (built() < sources) {
  process.stderr.write('Compiling TypeScript to dist/ (npm run build)…\n');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(
      'npm run build failed: fix the errors above, or run `npm run dev` to start with tsx.\n',
    );
    process.exit(r.status ?? 1);
  }
}
await import(pathToFileURL(entry).href);
