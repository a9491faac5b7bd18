import type { Clock, OutboxStore } from '@ledger/domain';
import type { ServerLog } from './logger.js';

const DAY_MS = 86_400_000;
/** How often old events are looked for. */
const PRUNE_EVERY_MS = 3_600_000;

/** The pruning of old events; `stop` ends it. */
export interface EventRetention {
  /** Deletes what is past retention now; resolves with how many events went. */
  pruneNow(): Promise<number>;
  stop(): void;
}

/**
 * Keeps the events API to `days` of history (`LEDGER_EVENT_RETENTION_DAYS`; 0 keeps all): at
 * start and every hour, delivered events older than that are deleted. An event still owed to its
 * delivery is never deleted (see `OutboxStore.pruneEvents`).
 */
export function eventRetention(
  outbox: Pick<OutboxStore, 'pruneEvents'>,
  clock: Clock,
  days: number,
  log: Pick<ServerLog, 'info' | 'error'>,
): EventRetention {
  const pruneNow = async () => {
    if (days === 0) return 0;
    const pruned = await outbox.pruneEvents(new Date(clock.now().getTime() - days * DAY_MS));
    if (pruned > 0) log.info({ pruned, retention_days: days }, 'old events pruned');
    return pruned;
  };
  const run = () => {
    pruneNow().catch((err: unknown) => log.error({ err }, 'event pruning failed'));
  };
  run();
  const timer = days === 0 ? null : setInterval(run, PRUNE_EVERY_MS);
  timer?.unref();
  return {
    pruneNow,
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
