import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/queue/connection.ts';
import { type InboxRelay, inboxEntry, inboxKey, startInboxRelay } from '../../src/queue/inbox.ts';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';

const status = (userId: string) => ({
  command: 'status',
  text: '',
  userId,
  source: 'slack',
  receivedAt: Date.now(),
});

describe('the command inbox between web replicas and workers', () => {
  // A web replica: it acknowledges and queues commands, and runs no worker (so no relay).
  let t: TestBot;
  let redis: Redis;
  const relays: InboxRelay[] = [];
  const relay = (opts: { claimIdleMs?: number } = {}) => {
    const r = startInboxRelay(t.bot.deps.queues, testRedisUrl(), { logger: t.bot.deps.logger, ...opts });
    relays.push(r);
    return r;
  };
  const commands = () => t.bot.deps.queues.queue('commands');
  const key = () => inboxKey(t.bot.deps.queues.prefix);

  beforeAll(async () => {
    t = await startTestBot({}, { role: 'web' });
    redis = createRedis(testRedisUrl(), 'worker');
  });
  // Each test its own relays and an empty queue.
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.close()));
    await commands().obliterate({ force: true });
  });
  afterAll(async () => {
    redis.disconnect();
    await t.stop();
  });

  it('keeps what a web replica accepted until a worker starts, then moves every command into BullMQ', async () => {
    const acks = [];
    for (const user of ['U0A', 'U0B', 'U0C']) {
      const res = await postSigned(
        t.url,
        SIGNING_SECRET,
        slashCommandBody({ command: '/status', user_id: user, response_url: t.slack.createResponseUrl() }),
      );
      acks.push(JSON.parse(res.body).text as string);
    }
    expect(acks.every((text) => text.includes('/status'))).toBe(true);
    expect(await redis.xlen(key())).toBe(3);
    expect(await commands().count()).toBe(0);

    const r = relay();
    const jobs = await eventually(async () => {
      const waiting = await commands().getJobs(['waiting']);
      return waiting.length === 3 ? waiting : undefined;
    });
    expect(jobs.map((j) => j.data.userId).sort()).toEqual(['U0A', 'U0B', 'U0C']);
    // Each keeps the id the acknowledgement path gave it (a mention's retry is the same job).
    expect(jobs.every((j) => /^[0-9a-f-]{36}$/.test(j.id ?? ''))).toBe(true);
    await eventually(async () => (await redis.xlen(key())) === 0 || undefined);
    expect(r.moved).toBe(3);
    // Stopped with nothing held, it leaves the group: no consumer per process ever started.
    const consumers = async () => ((await redis.xinfo('CONSUMERS', key(), 'relay')) as unknown[]).length;
    expect(await consumers()).toBe(1);
    await r.close();
    expect(await consumers()).toBe(0);
  });

  it('takes over entries a relay read and died holding; a job id queued twice is one job', async () => {
    const k = key();
    await redis.xadd(k, '*', ...inboxEntry('run-command', 'job-held', status('U0HELD')));
    await redis.xadd(k, '*', ...inboxEntry('run-command', 'job-twice', status('U0TWICE')));
    await redis.xadd(k, '*', ...inboxEntry('run-command', 'job-twice', status('U0TWICE')));
    // A relay that read all three and died before adding them: pending in the group, not acknowledged.
    await redis.xgroup('CREATE', k, 'relay', '0', 'MKSTREAM').catch(() => {});
    const held = (await redis.xreadgroup(
      'GROUP',
      'relay',
      'dead-relay',
      'COUNT',
      10,
      'STREAMS',
      k,
      '>',
    )) as Array<[string, unknown[]]>;
    expect(held[0]?.[1]).toHaveLength(3);

    relay({ claimIdleMs: 300 });
    const jobs = await eventually(async () => {
      const waiting = await commands().getJobs(['waiting']);
      return waiting.length >= 2 ? waiting : undefined;
    });
    expect(jobs.map((j) => j.id).sort()).toEqual(['job-held', 'job-twice']);
    await eventually(async () => (await redis.xlen(k)) === 0 || undefined);
    const pending = (await redis.xpending(k, 'relay')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it('keeps moving after Redis lost the stream and its group (a flush): what is appended next is queued', async () => {
    const k = key();
    const r = relay();
    await redis.xadd(k, '*', ...inboxEntry('run-command', 'job-before-flush', status('U0PRE')));
    await eventually(async () => (await commands().getJob('job-before-flush')) ?? undefined);
    await redis.del(k);
    // The next command recreates the stream, without the group: the relay makes the group again.
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/status', user_id: 'U0POST', response_url: t.slack.createResponseUrl() }),
    );
    expect(res.status).toBe(200);
    const job = await eventually(async () => {
      const waiting = await commands().getJobs(['waiting']);
      return waiting.find((j) => j.data.userId === 'U0POST');
    }, 15_000);
    expect(job.data.command).toBe('status');
    expect(r.moved).toBe(2);
  });

  it('sets aside, whole and with the reason, an entry that cannot be a job; moves the rest', async () => {
    const k = key();
    await redis.xadd(k, '*', ...inboxEntry('no-such-job', 'job-unknown', { x: 1 }));
    await redis.xadd(k, '*', ...inboxEntry('run-command', 'job-bad-data', { command: 42 }));
    await redis.xadd(k, '*', ...inboxEntry('run-command', 'job-good', status('U0GOOD')));
    relay();
    const [job] = await eventually(async () => {
      const waiting = await commands().getJobs(['waiting']);
      return waiting.length > 0 ? waiting : undefined;
    });
    expect(job?.id).toBe('job-good');
    await eventually(async () => (await redis.xlen(k)) === 0 || undefined);
    expect(await commands().count()).toBe(1);
    const aside = (await redis.xrange(`${k}:unqueued`, '-', '+')).map(([, fields]) => fields.join(' '));
    expect(aside).toHaveLength(2);
    expect(aside[0]).toContain('name no-such-job id job-unknown data {"x":1}');
    expect(aside[0]).toContain('reason unknown job "no-such-job"');
    expect(aside[1]).toContain('id job-bad-data');
    expect(aside[1]).toMatch(/reason invalid data: /);
    const logged = t.logs.filter((l) => l.includes('inbox entry is not a job'));
    expect(logged).toHaveLength(2);
    expect(logged.every((l) => l.includes('"ref"') && l.includes(':inbox:unqueued'))).toBe(true);
  });
});
