import { toWire } from '@ledger/api';
import {
  type ClaimedWebhookDelivery,
  eventView,
  type SettleContext,
  settleWebhookOutcomes,
  type WebhookOutcome,
  type WebhookSecrets,
  webhookRetryDelayMs,
} from '@ledger/domain';
import type { WebhookSender } from './send.js';
import { signWebhook } from './signature.js';

/** What the delivery worker runs on. */
export interface WebhookWorkerOptions {
  ports: SettleContext;
  secrets: WebhookSecrets;
  sender: WebhookSender;
  /** `LEDGER_WEBHOOK_TIMEOUT_MS`: one attempt's whole time. */
  timeoutMs: number;
  /** `LEDGER_WEBHOOK_CONCURRENCY`: attempts in flight at most in this process. */
  concurrency: number;
  /** `user-agent: Ledger-Webhooks/<version>`. */
  version: string;
  /**
   * How often to look for due attempts besides the after-commit notification: what another
   * process's events and retries wait at most (default 250 ms, well under the 1 s goal).
   */
  pollIntervalMs?: number;
  /** Reports failures of the worker itself (a claim or a settle the database refused). */
  onError: (error: unknown) => void;
}

/** The outbound webhook worker of one process. */
export interface WebhookWorker {
  /** Called after a commit: due attempts are claimed at once instead of at the next poll. */
  notify(): void;
  start(): void;
  /**
   * Stops claiming; resolves once the attempts in flight are sent and settled, or after
   * `graceMs` at most: attempts still out then are abandoned (not settled), keep their lease, and
   * are sent again by whichever process claims them once it ends (at least once).
   */
  stop(graceMs?: number): Promise<void>;
  /** Sends until nothing is due and nothing is in flight; tests and benchmarks use it. */
  drain(): Promise<void>;
}

/** The body every attempt of an event carries: its REST shape, byte for byte the same. */
function bodyOf(claimed: ClaimedWebhookDelivery): string {
  return JSON.stringify(toWire(eventView(claimed.event)));
}

/** The secrets that sign now: the current one, and the previous one during a rotation's overlap. */
function signingSecrets(claimed: ClaimedWebhookDelivery, secrets: WebhookSecrets, now: Date) {
  const { endpoint } = claimed;
  const current = [secrets.open(endpoint.sealedSecret)];
  const overlap =
    endpoint.sealedPreviousSecret !== null &&
    endpoint.previousSecretExpiresAt !== null &&
    endpoint.previousSecretExpiresAt > now;
  return overlap && endpoint.sealedPreviousSecret
    ? [...current, secrets.open(endpoint.sealedPreviousSecret)]
    : current;
}

/** How often a worker that knows of enabled endpoints checks that some still are. */
export const ENDPOINTS_RECHECK_MS = 5000;

/**
 * Delivers webhook attempts outside request handling, so a slow or dead receiver never slows
 * the API: up to `concurrency` attempts in flight, claimed in batches with leases (a process
 * killed mid-attempt leaves them to be claimed again once the lease ends: at least once), their
 * outcomes settled in batches. Each (endpoint, customer) goes in `sequence` order because the
 * store only lets a customer's next event be claimed once the earlier one is settled.
 */
export function createWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { ports, secrets, sender, timeoutMs, concurrency } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  // Longer than any attempt can take, so a live worker never loses its claim mid-attempt.
  const leaseMs = timeoutMs + 30_000;
  const userAgent = `Ledger-Webhooks/${options.version}`;
  const inFlight = new Set<Promise<void>>();
  const outcomes: WebhookOutcome[] = [];
  let settling: Promise<void> | null = null;
  let claiming: Promise<void> | null = null;
  let wanted = false;
  let stopped = true;
  /** Set when a stop's grace ran out: outcomes still arriving are left unsettled. */
  let abandoned = false;
  let timer: ReturnType<typeof setInterval> | null = null;
  /**
   * Whether an enabled endpoint exists anywhere, as last looked up (null: not yet). While none
   * does, a commit cannot have queued an attempt, so `notify` claims nothing and the poll only
   * looks again: the first attempts after another process (or this one) enables the first
   * endpoint wait one poll at most. Once some exist, the poll looks again every
   * {@link ENDPOINTS_RECHECK_MS} to notice they all went.
   */
  let endpointsExist: boolean | null = null;
  let lookedAt = 0;

  async function attempt(claimed: ClaimedWebhookDelivery): Promise<WebhookOutcome> {
    const now = ports.clock.now();
    const timestamp = Math.floor(now.getTime() / 1000);
    const body = bodyOf(claimed);
    const signature = signWebhook(
      signingSecrets(claimed, secrets, now),
      claimed.event.id,
      timestamp,
      body,
    );
    const response = await sender.send({
      url: claimed.endpoint.url,
      headers: {
        'content-type': 'application/json',
        'user-agent': userAgent,
        'webhook-id': claimed.event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      },
      body,
      timeoutMs,
    });
    const succeeded = response.status !== null && response.status >= 200 && response.status < 300;
    // A 410 says the receiver is gone for good: no retry, and settling disables the endpoint.
    const delay =
      succeeded || response.status === 410 ? null : webhookRetryDelayMs(claimed.delivery.attempt);
    return {
      scope: claimed.scope,
      deliveryId: claimed.delivery.id,
      endpointId: claimed.endpoint.id,
      claimToken: claimed.claimToken,
      succeeded,
      responseStatus: response.status,
      responseExcerpt: response.excerpt,
      durationMs: Math.round(response.durationMs),
      error: response.error,
      attemptedAt: now,
      retryAt: delay === null ? null : new Date(now.getTime() + delay),
    };
  }

  /** Settles what has come back, in batches, then looks for more (an order may have freed up). */
  function settle(): void {
    if (settling) return;
    settling = (async () => {
      while (outcomes.length > 0) {
        const batch = outcomes.splice(0);
        try {
          await settleWebhookOutcomes(ports, batch);
        } catch (error) {
          // Unsettled attempts keep their lease and are sent again when it ends: at least once.
          options.onError(error);
        }
      }
    })().finally(() => {
      settling = null;
      kick();
    });
  }

  function launch(claimed: ClaimedWebhookDelivery): void {
    const running: Promise<void> = attempt(claimed)
      .then((outcome) => {
        if (!abandoned) outcomes.push(outcome);
      })
      .catch(options.onError)
      .finally(() => {
        inFlight.delete(running);
        settle();
      });
    inFlight.add(running);
  }

  async function claimWhileWanted(): Promise<void> {
    while (wanted && !stopped && inFlight.size < concurrency) {
      wanted = false;
      const room = concurrency - inFlight.size;
      const now = ports.clock.now();
      const claimed = await ports.store.claimWebhookDeliveries(
        now,
        new Date(now.getTime() + leaseMs),
        room,
      );
      for (const one of claimed) launch(one);
      // A full batch means more may be due.
      if (claimed.length === room) wanted = true;
    }
  }

  function kick(): void {
    wanted = true;
    if (claiming || stopped) return;
    claiming = claimWhileWanted()
      .catch(options.onError)
      .finally(() => {
        claiming = null;
        if (wanted && !stopped && inFlight.size < concurrency) kick();
      });
  }

  async function idle(): Promise<void> {
    while (claiming || settling || inFlight.size > 0) {
      await Promise.all([claiming, settling, ...inFlight]);
    }
  }

  /** The poll: looks up whether endpoints exist when due to, and claims if they do. */
  async function poll(): Promise<void> {
    const now = Date.now();
    if (endpointsExist !== true || now - lookedAt >= ENDPOINTS_RECHECK_MS) {
      endpointsExist = await ports.store.anyEnabledWebhookEndpoint();
      lookedAt = now;
    }
    if (endpointsExist) kick();
  }

  return {
    notify() {
      if (endpointsExist !== false) kick();
    },
    start() {
      stopped = false;
      abandoned = false;
      timer ??= setInterval(() => void poll().catch(options.onError), pollIntervalMs);
      timer.unref?.();
      void poll().catch(options.onError);
    },
    async stop(graceMs = Number.POSITIVE_INFINITY) {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      let expire: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<'late'>((resolve) => {
        if (Number.isFinite(graceMs)) expire = setTimeout(() => resolve('late'), graceMs);
      });
      if ((await Promise.race([idle(), late])) === 'late') abandoned = true;
      clearTimeout(expire);
    },
    async drain() {
      const wasStopped = stopped;
      stopped = false;
      // Settling kicks a new claim before it ends, so once idle the last claim found nothing due.
      kick();
      await idle();
      stopped = wasStopped;
    },
  };
}
