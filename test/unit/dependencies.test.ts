import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Dependencies as declared: every package the code imports is in package.json (not only reachable
 * because another package brings it), and every production dependency has a user.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Production dependencies nothing imports, and why they are declared anyway. */
const NOT_IMPORTED: Record<string, string> = {
  '@opentelemetry/api': 'peer dependency of the OpenTelemetry SDK packages src/telemetry.ts uses',
};

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) return files(rel);
    return /\.(ts|js)$/.test(name) ? [rel] : [];
  });
}

/** Bare package names a file imports (static, dynamic, `export … from`, and `--import <pkg>`). */
function imported(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [
    ...source.matchAll(/\bfrom\s+'([^']+)'/g),
    ...source.matchAll(/\bimport\s*\(\s*'([^']+)'\s*\)/g),
    ...source.matchAll(/^import\s+'([^']+)'/gm),
    ...source.matchAll(/'--import',\s*'([^']+)'/g),
  ].map((m) => m[1] as string);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string)));
}

const shipped = ['src', 'commands', 'jobs', 'bin'].flatMap(files);
const tooling = ['test', 'bench', 'scripts', 'vitest.config.ts'].flatMap((p) =>
  p.endsWith('.ts') ? [p] : files(p),
);

describe('package.json', () => {
  it('declares every package the shipped code imports as a production dependency', () => {
    const missing = shipped.flatMap((f) =>
      imported(f)
        .filter((p) => !(p in pkg.dependencies))
        .map((p) => `${f}: ${p}`),
    );
    expect(missing).toEqual([]);
  });

  it('declares every package tests, benchmarks and scripts import', () => {
    const declared = { ...pkg.dependencies, ...pkg.devDependencies };
    const missing = tooling.flatMap((f) =>
      imported(f)
        .filter((p) => !(p in declared))
        .map((p) => `${f}: ${p}`),
    );
    expect(missing).toEqual([]);
  });

  it('has no production dependency without a user', () => {
    const used = new Set([...shipped, ...tooling].flatMap(imported));
    const unused = Object.keys(pkg.dependencies).filter((p) => !used.has(p) && !(p in NOT_IMPORTED));
    expect(unused).toEqual([]);
  });
});
