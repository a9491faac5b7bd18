import type { RunDueReport } from '@ledger/domain';
import type { ServerLog } from './logger.js';

/** The billing job of one process: run on a timer, or by hand (tests). */
export interface BillingJob {
  runDue(now?: Date): Promise<RunDueReport>;
  /**
   * Schedules no more runs and makes the one in progress stop at its next safe point (between
   * two subscriptions); resolves when it has. Called first when the server stops.
   */
  stop(): Promise<void>;
}

/**
 * Runs `run` every `intervalMs` (0: never on its own), one run at a time: the next run is
 * scheduled when the previous one has finished, so a slow run never overlaps the next.
 */
export function billingJob(
  intervalMs: number,
  run: (now: Date | undefined, signal: AbortSignal) => Promise<RunDueReport>,
  log: Pick<ServerLog, 'debug' | 'error'>,
): BillingJob {
  const stopping = new AbortController();
  let running: Promise<void> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const schedule = () => {
    if (stopping.signal.aborted || intervalMs <= 0) return;
    timer = setTimeout(() => {
      timer = null;
      running = run(undefined, stopping.signal)
        .then(
          ({ invoices, ...counts }) =>
            log.debug({ ...counts, invoices: invoices.length }, 'billing job ran'),
          (err: unknown) => log.error({ err }, 'billing job failed'),
        )
        .finally(() => {
          running = null;
          schedule();
        });
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    runDue: (now) => run(now, stopping.signal),
    async stop() {
      stopping.abort();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
