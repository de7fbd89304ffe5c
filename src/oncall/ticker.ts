import type { Deps } from '../deps.ts';
import type { OncallConfig } from './config.ts';
import { fireDue, planReminders, planSteps, redriveDeliveries, stopAcknowledged } from './engine.ts';
import { syncUserGroups } from './usergroups.ts';

export interface OncallTicker {
  /** One firing pass now (tests, bench); resolves when it is done. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

const MAINTENANCE_EVERY_MS = 5_000;
const USERGROUPS_EVERY_MS = 60_000;

/** A loop that runs `pass` every `everyMs` after the previous pass ended; errors logged at most once a minute. */
function loop(deps: Deps, what: string, everyMs: number, pass: () => Promise<void>) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastError = 0;
  const run = (): Promise<void> => {
    running ??= pass()
      .catch((err) => {
        // PostgreSQL down: the next pass catches up on everything due.
        if (Date.now() - lastError > 60_000) {
          lastError = Date.now();
          deps.logger.warn({ err }, `on-call ${what} failed; retrying`);
        }
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void run().finally(schedule);
    }, everyMs);
  };
  schedule();
  return {
    run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * Each worker replica runs two loops. The firing loop (every `tickSeconds`): plan missing steps and
 * reminders, stop what was acknowledged, fire what is due. The maintenance loop: re-drive lost
 * deliveries, keep user groups in step. The timers are rows in PostgreSQL, so neither loop needs
 * Redis to know what is due; replicas share the work through row locks (SKIP LOCKED) and never
 * fire a row twice.
 */
export function startOncallTicker(deps: Deps, config: OncallConfig): OncallTicker {
  const firing = loop(deps, 'tick', Math.round(config.tickSeconds * 1000), async () => {
    // Due steps first: planning and stopping must not hold them back.
    await fireDue(deps, config);
    await planSteps(deps, config, deps.now());
    await planReminders(deps, config);
    await stopAcknowledged(deps, deps.now());
    await fireDue(deps, config);
  });
  let lastGroups = 0;
  const maintenance = loop(deps, 'maintenance', MAINTENANCE_EVERY_MS, async () => {
    await redriveDeliveries(deps, deps.now());
    if (Date.now() - lastGroups >= USERGROUPS_EVERY_MS) {
      lastGroups = Date.now();
      await syncUserGroups(deps, config, deps.now());
    }
  });
  // User groups follow the schedule from the start.
  void syncUserGroups(deps, config, deps.now()).then(
    () => {
      lastGroups = Date.now();
    },
    () => {},
  );
  return {
    tick: firing.run,
    async stop() {
      await Promise.all([firing.stop(), maintenance.stop()]);
    },
  };
}
