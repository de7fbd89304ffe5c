import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

/** Compares with test/golden/<name>; UPDATE_GOLDEN=1 rewrites it. */
export function golden(name: string, actual: string): void {
  const url = new URL(`../golden/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN) writeFileSync(url, actual);
  expect(actual).toBe(readFileSync(url, 'utf8'));
}
