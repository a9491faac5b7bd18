import type { LedgerEvent } from '../events/model.js';
import type { EventId, WebhookEndpointId } from '../ids.js';
import type { PageResult } from '../schemas/pagination.js';
import type { Scope } from '../scope.js';
import type {
  StoredWebhookEndpoint,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
} from './model.js';

/**
 * Signing secrets: made here, stored only sealed. `seal` must make the stored text useless to
 * whoever reads a database dump (the server encrypts with `LEDGER_SECRET_KEY`); `open` gives the
 * secret back to the delivery worker, which signs with it.
 */
export interface WebhookSecrets {
  /** A new secret: `whsec_` + base64 of 32 random bytes. */
  generate(): string;
  seal(secret: string): string;
  open(sealed: string): string;
}

/**
 * Where webhooks may go beyond the URL's syntax: the reason to refuse a URL's host (a loopback,
 * private, link-local or multicast address, literal or after DNS resolution), or null. The
 * server's policy is relaxed by `LEDGER_WEBHOOK_ALLOW_PRIVATE`.
 */
export interface WebhookUrlPolicy {
  refusal(url: URL): Promise<string | null>;
}

/** Which events a replay queues again: by id, or those created in a range (optionally by type). */
export type WebhookReplaySelection =
  | { eventIds: readonly EventId[] }
  | { since: Date; until: Date; types?: readonly string[] | undefined };

/** A pending attempt claimed by one worker, with what it needs to send it. */
export interface ClaimedWebhookDelivery {
  scope: Scope;
  delivery: WebhookDelivery;
  /** Settling checks it, so an attempt whose lease ran out and was claimed again settles once. */
  claimToken: string;
  endpoint: StoredWebhookEndpoint;
  event: LedgerEvent;
}

/** What came of one attempt, as the worker settles it. */
export interface WebhookOutcome {
  scope: Scope;
  deliveryId: WebhookDelivery['id'];
  endpointId: WebhookEndpointId;
  claimToken: string;
  succeeded: boolean;
  responseStatus: number | null;
  responseExcerpt: string | null;
  durationMs: number;
  error: string | null;
  attemptedAt: Date;
  /** When the next attempt is due; null when none follows (success, or the last attempt). */
  retryAt: Date | null;
}

/** Webhook endpoints and their deliveries, scope-explicit except for the worker's methods. */
export interface WebhookStore {
  insertWebhookEndpoint(scope: Scope, endpoint: StoredWebhookEndpoint): Promise<void>;
  getWebhookEndpoint(
    scope: Scope,
    id: WebhookEndpointId,
    options?: { forUpdate?: boolean },
  ): Promise<StoredWebhookEndpoint | null>;
  /** Newest first, by cursor. */
  listWebhookEndpoints(
    scope: Scope,
    page: { limit: number; startingAfter?: WebhookEndpointId | undefined },
  ): Promise<PageResult<WebhookEndpoint>>;
  /** Writes every mutable field of `endpoint`. */
  updateWebhookEndpoint(scope: Scope, endpoint: StoredWebhookEndpoint): Promise<void>;
  /** Deletes the endpoint and every delivery to it (pending ones are dropped); false if none. */
  deleteWebhookEndpoint(scope: Scope, id: WebhookEndpointId): Promise<boolean>;
  /** One endpoint's attempts, newest first. */
  listWebhookDeliveries(
    scope: Scope,
    endpointId: WebhookEndpointId,
    filter: {
      eventId?: EventId | undefined;
      status?: WebhookDeliveryStatus | undefined;
      limit: number;
      startingAfter?: WebhookDelivery['id'] | undefined;
    },
  ): Promise<PageResult<WebhookDelivery>>;
  /** How many of the scope's events a replay selection names (bounded by `cap + 1`). */
  countReplayEvents(scope: Scope, selection: WebhookReplaySelection, cap: number): Promise<number>;
  /**
   * Queues one new pending attempt to `endpointId` for each selected event, due at `at`,
   * numbered on from that event's earlier attempts; returns how many were queued.
   */
  queueWebhookReplay(
    scope: Scope,
    endpointId: WebhookEndpointId,
    selection: WebhookReplaySelection,
    at: Date,
  ): Promise<number>;
  /**
   * Claims up to `limit` due pending attempts of enabled endpoints in every scope, leasing them
   * until `leaseUntil` (`FOR UPDATE SKIP LOCKED`, so workers in any number of processes take
   * disjoint sets). An attempt is claimable only when no earlier event of the same customer is
   * pending to the same endpoint, which keeps each (endpoint, customer) in `sequence` order.
   */
  claimWebhookDeliveries(
    now: Date,
    leaseUntil: Date,
    limit: number,
  ): Promise<ClaimedWebhookDelivery[]>;
  /**
   * True when an enabled endpoint exists in any scope: the worker asks it on its poll while it
   * knows of none, instead of claiming after every commit when nothing can be queued.
   */
  anyEnabledWebhookEndpoint(): Promise<boolean>;
  /**
   * Settles attempts still held by their claim: each becomes `succeeded` or `failed` with its
   * response; a failure with `retryAt` queues the next attempt. Endpoints that succeeded stop
   * "failing"; those that failed start failing at their first failure. Returns the outcomes
   * that were settled (those whose claim was lost are left alone).
   */
  settleWebhookDeliveries(outcomes: readonly WebhookOutcome[]): Promise<WebhookOutcome[]>;
}

/** Options of `OutboxStore.appendEvent`. */
export interface AppendEventOptions {
  /**
   * Deliver to this endpoint alone, whatever it subscribes to (the test send). Without it, one
   * delivery is queued to each enabled endpoint of the scope subscribed to the event's type.
   */
  onlyEndpoint?: WebhookEndpointId;
  /**
   * Whether an in-process handler is owed the event (default true). False writes it as
   * delivered: the dispatcher has nothing to claim for an event no handler subscribes to.
   */
  owedInProcess?: boolean;
}
