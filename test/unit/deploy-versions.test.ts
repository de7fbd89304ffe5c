import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** PostgreSQL client major that Debian's unversioned `postgresql-client` installs, per release. */
const DEBIAN_POSTGRESQL_CLIENT: Record<string, number> = { bullseye: 13, bookworm: 15, trixie: 17 };

/** The PostgreSQL major of `pg_dump` in the bot's image (the Dockerfile's runtime stage). */
function dockerfileClientMajor(dockerfile: string): number {
  const stages = dockerfile.split(/^FROM\s+/m).slice(1);
  const runtime = stages.at(-1) ?? '';
  const versioned = /\bpostgresql-client-(\d+)\b/.exec(runtime);
  if (versioned) return Number(versioned[1]);
  if (!/\bpostgresql-client\b/.test(runtime))
    throw new Error('the runtime stage installs no postgresql-client');
  const base = /^\S+/.exec(runtime)?.[0] ?? '';
  const release = Object.keys(DEBIAN_POSTGRESQL_CLIENT).find((r) => base.includes(r));
  if (!release) throw new Error(`cannot tell the Debian release of base image ${base}`);
  return DEBIAN_POSTGRESQL_CLIENT[release] as number;
}

/** The PostgreSQL major of the compose file's `postgres` service. */
function composePostgresMajor(compose: string): number {
  const doc = parse(compose) as { services: Record<string, { image?: string }> };
  const image = doc.services.postgres?.image ?? '';
  const m = /^(?:docker\.io\/)?(?:library\/)?postgres:(\d+)/.exec(image);
  if (!m) throw new Error(`cannot read a PostgreSQL major from image "${image}"`);
  return Number(m[1]);
}

describe('shipped PostgreSQL versions', () => {
  it('the compose stack’s PostgreSQL is the major the image’s pg_dump can back up', () => {
    const server = composePostgresMajor(
      readFileSync(join(ROOT, 'deploy/compose/docker-compose.yml'), 'utf8'),
    );
    const client = dockerfileClientMajor(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
    expect(server, `compose runs postgres:${server}, the image's pg_dump is ${client}`).toBe(client);
  });

  it('reads the majors it compares, and tells a mismatch', () => {
    expect(composePostgresMajor('services:\n  postgres:\n    image: postgres:16-alpine\n')).toBe(16);
    expect(
      dockerfileClientMajor(
        'FROM node:20-bookworm AS build\nFROM node:20-bookworm-slim\nRUN apt-get install -y postgresql-client redis-tools\n',
      ),
    ).toBe(15);
    expect(
      dockerfileClientMajor('FROM node:20-bookworm-slim\nRUN apt-get install -y postgresql-client-16\n'),
    ).toBe(16);
    expect(() => dockerfileClientMajor('FROM node:20-bookworm-slim\nRUN true\n')).toThrow(
      'no postgresql-client',
    );
  });
});
