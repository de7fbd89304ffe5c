import type { Deps } from '../deps.ts';
import type { OncallConfig } from './config.ts';
import { fireDue, planReminders, planSteps, redriveDeliveries, stopAcknowledged } from './engine.ts';
import { syncUserGroups } from './usergroups.ts';

export interface OncallTicker {
  /** One pass now (tests, bench); resolves when it is done. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

const REDRIVE_EVERY_MS = 5_000;
const USERGROUPS_EVERY_MS = 60_000;

/**
 * Each worker replica runs this loop: plan missing steps and reminders, stop what was acknowledged,
 * fire what is due, and now and then re-drive lost deliveries and sync user groups. The timers are
 * rows in PostgreSQL, so the loop needs nothing from Redis to know what is due; replicas share the
 * work through row locks (SKIP LOCKED) and never fire a row twice.
 */
export function startOncallTicker(deps: Deps, config: OncallConfig): OncallTicker {
  const everyMs = Math.round(config.tickSeconds * 1000);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastRedrive = 0;
  let lastGroups = 0;
  let lastError = 0;

  const pass = async () => {
    const now = deps.now();
    await planSteps(deps, config, now);
    await planReminders(deps, config);
    await stopAcknowledged(deps, now);
    await fireDue(deps, config, deps.now());
    const ms = Date.now();
    if (ms - lastRedrive >= REDRIVE_EVERY_MS) {
      lastRedrive = ms;
      await redriveDeliveries(deps, now);
    }
    if (ms - lastGroups >= USERGROUPS_EVERY_MS) {
      lastGroups = ms;
      await syncUserGroups(deps, config, now);
    }
  };

  const tick = (): Promise<void> => {
    running ??= pass()
      .catch((err) => {
        // PostgreSQL down: logged at most once a minute; the next pass catches up on everything due.
        if (Date.now() - lastError > 60_000) {
          lastError = Date.now();
          deps.logger.warn({ err: (err as Error).message }, 'on-call tick failed; retrying');
        }
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void tick().finally(loop);
    }, everyMs);
  };
  loop();
  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
