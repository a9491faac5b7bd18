import type { Clock, EventNotifier, OutboxStore } from '../ports.js';
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
  /**
   * Runs `handler` for events of `type` (or every event for `"*"`) written after it subscribed,
   * once they commit.
   */
  subscribe(type: EventType | '*', handler: EventHandler): () => void;
  /** True when a handler subscribes to `type` or to every type (see `EventNotifier.handles`). */
  handles(type: EventType): boolean;
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
 * customer: a claim takes a customer's events from its oldest undelivered one, under a
 * `FOR UPDATE SKIP LOCKED` lease, so several processes can run dispatchers on one database and
 * a customer's events are in one worker's hands at a time.
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

  const handlersOf = (type: string) => handlers.get(type)?.size ?? 0;
  const anyHandler = () => [...handlers.values()].some((set) => set.size > 0);

  /** Runs the event's handlers; on a failure, records it for a retry (or gives it up). */
  async function deliver(event: LedgerEvent, attempts: number): Promise<boolean> {
    const targets = [...(handlers.get(event.type) ?? []), ...(handlers.get('*') ?? [])];
    try {
      for (const handler of targets) await handler(event);
      return true;
    } catch (error) {
      options.onError?.(error, event);
      const tries = attempts + 1;
      const retryAt =
        tries >= maxAttempts ? null : new Date(clock.now().getTime() + retryDelayMs(tries));
      const scope = { tenantId: event.tenantId, appId: event.appId };
      await outbox.markEventFailed(scope, event.id, String(error), retryAt);
      return false;
    }
  }

  /**
   * Claims a batch (one statement) and delivers it, then marks what was handled (one statement).
   * A failure holds back the rest of its customer's events in the batch, and with
   * `untilStopped`, `stop()` ends it after the event in hand: both are released at once for any
   * process to take. Delivery is at least once: a crash before the mark delivers them again.
   * With no handler subscribed, nothing is claimed: events were written delivered.
   */
  async function runOnce(untilStopped: boolean): Promise<number> {
    if (!anyHandler()) return 0;
    const now = clock.now();
    const claimed = await outbox.claimEvents(now, new Date(now.getTime() + leaseMs), batchSize);
    const delivered: LedgerEvent[] = [];
    const released: LedgerEvent[] = [];
    const held = new Set<string>();
    for (const { event, attempts } of claimed) {
      const customer = event.customerId && `${event.tenantId}/${event.appId}/${event.customerId}`;
      if ((untilStopped && stopped) || (customer && held.has(customer))) {
        released.push(event);
      } else if (await deliver(event, attempts)) {
        delivered.push(event);
      } else if (customer) {
        held.add(customer);
      }
    }
    await outbox.markEventsDelivered(delivered);
    await outbox.releaseEvents(released);
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
    handles(type) {
      return handlersOf(type) + handlersOf('*') > 0;
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

/**
 * The notifier of a context without a dispatcher (store tests, scripts): nothing to tell, and no
 * in-process handler is owed any event, so events are written delivered.
 */
export const noEventHandlers: EventNotifier = { notify() {}, handles: () => false };
