import type { EventId, WebhookDeliveryId, WebhookEndpointId } from '../ids.js';
import type { Metadata } from '../schemas/metadata.js';

/** Whether an endpoint receives deliveries. */
export const WEBHOOK_ENDPOINT_STATUSES = ['enabled', 'disabled'] as const;
/** One of {@link WEBHOOK_ENDPOINT_STATUSES}. */
export type WebhookEndpointStatus = (typeof WEBHOOK_ENDPOINT_STATUSES)[number];

/**
 * Why Ledger disabled an endpoint by itself: `failing` (no success for 5 days of failures) or
 * `gone` (it answered 410). An endpoint disabled through the API has no reason.
 */
export type WebhookDisabledReason = 'failing' | 'gone';

/** A webhook endpoint as the API returns it: never with its secret. */
export interface WebhookEndpoint {
  id: WebhookEndpointId;
  url: string;
  /** `["*"]`, exact event types, or `prefix.*` wildcards. */
  enabledEvents: string[];
  status: WebhookEndpointStatus;
  disabledReason: WebhookDisabledReason | null;
  description: string | null;
  metadata: Metadata;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * An endpoint as stored: its signing secret (and, during a rotation's overlap, the previous one)
 * sealed by the secrets port so a database dump cannot sign, and when it started failing.
 */
export interface StoredWebhookEndpoint extends WebhookEndpoint {
  sealedSecret: string;
  sealedPreviousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  /** The first failure since the last success (null while it succeeds). */
  failingSince: Date | null;
}

/** An attempt's state: `pending` until made, then `succeeded` or `failed`. */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
/** One of {@link WEBHOOK_DELIVERY_STATUSES}. */
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * One delivery attempt of one event to one endpoint (the attempts log). A failed attempt with
 * retries left has `nextAttemptAt`, and the next attempt exists as a `pending` row.
 */
export interface WebhookDelivery {
  id: WebhookDeliveryId;
  endpointId: WebhookEndpointId;
  eventId: EventId;
  eventType: string;
  /** 1 for the first attempt, counting on through retries and replays. */
  attempt: number;
  status: WebhookDeliveryStatus;
  responseStatus: number | null;
  /** The first 1 KiB of the receiver's answer. */
  responseExcerpt: string | null;
  durationMs: number | null;
  error: string | null;
  createdAt: Date;
  nextAttemptAt: Date | null;
}

/**
 * After a failed attempt n (1-based), the wait before attempt n + 1: 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h, 10 h (Standard Webhooks' and Svix's schedule). After the 8th attempt, none.
 */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** The wait before the next attempt after attempt `attempt` failed, or null when it was the last. */
export function webhookRetryDelayMs(attempt: number): number | null {
  return WEBHOOK_RETRY_DELAYS_MS[attempt - 1] ?? null;
}

/** How long an endpoint may fail without a single success before it is disabled: 5 days. */
export const WEBHOOK_FAILING_DISABLE_MS = 5 * 24 * 3_600_000;

/** True when an endpoint subscribed to `enabledEvents` receives events of `type`. */
export function subscribesTo(enabledEvents: readonly string[], type: string): boolean {
  return enabledEvents.some(
    (pattern) =>
      pattern === '*' ||
      pattern === type ||
      (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))),
  );
}
