import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * No runtime import cycles among the incident code, the configuration, the catalogues and the
 * dependencies (issue 12): a module of these must be loadable without one of them half-initialised.
 * `import type` / `export type` are erased at compile time and do not count; every other import does
 * (with verbatimModuleSyntax even `import { type A }` stays as a side-effect import).
 */
const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative runtime imports of one module (static `import … from`, `export … from`, `import '…'`). */
function runtimeImports(code: string): string[] {
  const out: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const m of code.matchAll(re)) {
    if (m[2]) continue;
    // `export { a }` without from, or `import x = …`, never match (they need a module specifier).
    if (m[1] === 'export' && !m[3]) continue;
    out.push(m[4] as string);
  }
  return out;
}

/** The strongly connected components of more than one module (or a module importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** The modules issue 12 names: no cycle may run through them. */
const guarded = (f: string) =>
  f.startsWith('src/incidents/') ||
  f.startsWith('src/i18n/') ||
  f === 'src/config.ts' ||
  f.startsWith('src/config/') ||
  f === 'src/deps.ts';

describe('import cycles', () => {
  it('reads runtime imports and skips type-only ones', () => {
    const code = [
      "import type { A } from './a.ts';",
      "import { b, type C } from './b.ts';",
      "export type { D } from './d.ts';",
      "export { e } from './e.ts';",
      "export * from './f.ts';",
      "import './g.ts';",
      "import { z } from 'zod';",
    ].join('\n');
    expect(runtimeImports(code)).toEqual(['./b.ts', './e.ts', './f.ts', './g.ts']);
  });

  it('finds a cycle when there is one', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(graph)).toEqual([['a', 'b', 'c']]);
  });

  it('finds none through src/incidents, src/config.ts (and src/config/), src/i18n or src/deps.ts', () => {
    const graph = new Map<string, string[]>();
    for (const file of files(src)) {
      const code = readFileSync(file, 'utf8');
      const to = runtimeImports(code).map((spec) => relative(root, resolve(dirname(file), spec)));
      graph.set(relative(root, file), to);
    }
    // The walk sees the imports (a parser that found none would find no cycle either).
    expect(graph.get('src/incidents/sync.ts')?.length).toBeGreaterThan(3);
    // Any cycle in src/ that runs through one of them, even via another folder (incidents → postmortem → incidents).
    expect(cycles(graph).filter((c) => c.some(guarded))).toEqual([]);
  });
});
