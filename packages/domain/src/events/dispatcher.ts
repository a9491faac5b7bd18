import type { Clock, OutboxStore } from '../ports.js';
import type { EventHandler, EventType, LedgerEvent } from './model.js';

/** Tuning of the dispatcher; the defaults suit one server process. */
export interface DispatcherOptions {
  outbox: OutboxStore;
  clock: Clock;
  /** How often to look for due events besides the after-commit notification. */
  pollIntervalMs?: number;
  /** How long a claimed event is reserved for this process. */
  leaseMs?: number;
  batchSize?: number;
  /** Attempts before an event is given up (dead-lettered) so it stops blocking its customer. */
  maxAttempts?: number;
  /**
   * Reports handler failures (they never fail the request that caused the event), and, without
   * an event, failures of the worker itself (e.g. the database was unreachable for a poll).
   */
  onError?: (error: unknown, event?: LedgerEvent) => void;
}

/** The in-process face of the outbox: `subscribe`, and the worker that delivers. */
export interface EventDispatcher {
  /** Runs `handler` for events of `type` (or every event for `"*"`) after they commit. */
  subscribe(type: EventType | '*', handler: EventHandler): () => void;
  /** Called after a commit: delivery starts at once instead of at the next poll. */
  notify(): void;
  start(): void;
  /** Stops polling; resolves once the event being delivered (if any) is done. */
  stop(): Promise<void>;
  /** Delivers until nothing is due; tests and shutdown use it. */
  drain(): Promise<void>;
}

/** Exponential backoff: 1 s, 2 s, 4 s … capped at 5 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), 5 * 60_000);
}

/**
 * Delivers outbox events to in-process handlers, at least once and in sequence order per
 * customer: only the oldest undelivered event of a customer is ever claimed, and claims use
 * `FOR UPDATE SKIP LOCKED` leases, so several processes can run dispatchers on one database.
 * A failing handler marks the event for retry with backoff; the request that caused it is done.
 */
export function createEventDispatcher(options: DispatcherOptions): EventDispatcher {
  const { outbox, clock } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const leaseMs = options.leaseMs ?? 30_000;
  const batchSize = options.batchSize ?? 100;
  const maxAttempts = options.maxAttempts ?? 25;
  const handlers = new Map<string, Set<EventHandler>>();
  let running: Promise<void> | null = null;
  let again = false;
  let timer: ReturnType<typeof setInterval> | null = null;
  let stopped = false;

  async function deliver(event: LedgerEvent, attempts: number): Promise<void> {
    const targets = [...(handlers.get(event.type) ?? []), ...(handlers.get('*') ?? [])];
    const scope = { tenantId: event.tenantId, appId: event.appId };
    try {
      for (const handler of targets) await handler(event);
      await outbox.markEventDelivered(scope, event.id);
    } catch (error) {
      options.onError?.(error, event);
      const tries = attempts + 1;
      const retryAt =
        tries >= maxAttempts ? null : new Date(clock.now().getTime() + retryDelayMs(tries));
      await outbox.markEventFailed(scope, event.id, String(error), retryAt);
    }
  }

  /**
   * Claims a batch and delivers it. With `untilStopped`, `stop()` ends it after the event in
   * hand: the rest of the batch stays claimed until its lease runs out, then any process takes
   * it (delivery is at least once, and only a customer's oldest event is ever claimed).
   */
  async function runOnce(untilStopped: boolean): Promise<number> {
    const now = clock.now();
    const claimed = await outbox.claimEvents(now, new Date(now.getTime() + leaseMs), batchSize);
    for (const { event, attempts } of claimed) {
      if (untilStopped && stopped) break;
      await deliver(event, attempts);
    }
    return claimed.length;
  }

  async function loop(): Promise<void> {
    do {
      again = false;
      while (!stopped && (await runOnce(true)) > 0) {}
    } while (again && !stopped);
  }

  function kick(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = loop()
      .catch((error) => options.onError?.(error))
      .finally(() => {
        running = null;
      });
    return running;
  }

  return {
    subscribe(type, handler) {
      const set = handlers.get(type) ?? new Set<EventHandler>();
      set.add(handler);
      handlers.set(type, set);
      return () => set.delete(handler);
    },
    notify() {
      if (!stopped) void kick();
    },
    start() {
      stopped = false;
      timer ??= setInterval(() => void kick(), pollIntervalMs);
      timer.unref?.();
      void kick();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
    async drain() {
      await running;
      while ((await runOnce(false)) > 0) {}
    },
  };
}
