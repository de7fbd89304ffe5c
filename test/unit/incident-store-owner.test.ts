import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The incident store owns the incident tables (issue 12): SQL that reads or writes them lives in
 * src/incidents/store/ and nowhere else in src/, jobs/ or commands/.
 */
const root = resolve(import.meta.dirname, '../..');

const TABLES = [
  'incidents',
  'incident_alerts',
  'incident_events',
  'incident_storms',
  'incident_silences',
  'alert_groups',
  'alert_notifications',
];
const SQL = new RegExp(`\\b(FROM|INTO|UPDATE|JOIN)\\s+(${TABLES.join('|')})\\b`, 'i');

/** Files still allowed to query the tables, each with the reason (each should move into the store in turn). */
const ALLOWED: Record<string, string> = {};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Lines of a file with SQL against an incident table. */
function sqlLines(code: string): string[] {
  return code.split('\n').filter((line) => SQL.test(line));
}

describe('the incident store', () => {
  const all = ['src', 'jobs', 'commands', 'demo']
    .flatMap((d) => files(join(root, d)))
    .map((f) => relative(root, f));
  const inStore = (f: string) => f.startsWith('src/incidents/store/');

  it('recognises SQL against the incident tables, and not words in prose', () => {
    expect(sqlLines("db.query('UPDATE incidents SET x = 1')")).toHaveLength(1);
    expect(sqlLines('  FROM incident_storms s JOIN incidents i ON i.storm_id = s.id')).toHaveLength(1);
    expect(sqlLines('`INSERT INTO alert_notifications (dedup_key)`')).toHaveLength(1);
    expect(sqlLines('// Incidents from Alertmanager: open incidents of a service')).toHaveLength(0);
    expect(sqlLines('SELECT 1 FROM incident_postmortems WHERE incident_id = $1')).toHaveLength(0);
  });

  it('is the only place with SQL against the incident tables', () => {
    const outside = all
      .filter((f) => !inStore(f) && !(f in ALLOWED))
      .flatMap((f) => sqlLines(readFileSync(join(root, f), 'utf8')).map((line) => `${f}: ${line.trim()}`));
    expect(outside).toEqual([]);
  });

  it('has every table covered by its SQL, and no allowance left that is not needed', () => {
    const store = all.filter(inStore).map((f) => readFileSync(join(root, f), 'utf8'));
    for (const table of TABLES) {
      expect(
        store.some((code) => new RegExp(`\\b(FROM|INTO|UPDATE)\\s+${table}\\b`).test(code)),
        table,
      ).toBe(true);
    }
    // A file that is gone (moved out of the tree) needs no allowance either, but fails nothing.
    const needless = Object.keys(ALLOWED).filter(
      (f) => all.includes(f) && sqlLines(readFileSync(join(root, f), 'utf8')).length === 0,
    );
    expect(needless).toEqual([]);
  });

  it('has no incident code outside it that builds a table name into SQL (the post claims did)', () => {
    const dynamic = all
      .filter((f) => (f.startsWith('src/incidents/') || f.startsWith('jobs/')) && !inStore(f))
      .filter((f) => /\b(FROM|INTO|UPDATE|JOIN)\s+\$\{/.test(readFileSync(join(root, f), 'utf8')));
    expect(dynamic).toEqual([]);
  });
});
