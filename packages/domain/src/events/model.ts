import type { EventId } from '../ids.js';

/**
 * The event types of the seed and DOMAIN.md: customer lifecycle, then billing objects, then the
 * webhook endpoints' own (which carry no customer).
 */
export const EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.erased',
  'customer.payment_method.added',
  'customer.payment_method.removed',
  'customer.balance.updated',
  'subscription.created',
  'subscription.updated',
  'subscription.trial_ended',
  'subscription.paused',
  'subscription.resumed',
  'subscription.canceled',
  'invoice.created',
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.voided',
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'webhook_endpoint.disabled',
  'webhook_endpoint.test',
] as const;
/** One of {@link EVENT_TYPES}: what a webhook subscriber switches on. */
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * A lifecycle event as stored in the outbox and delivered to handlers. `data.object` is the
 * object as the API returns it after the change (JSON: dates as ISO strings);
 * `previousAttributes` holds the changed fields' old values. `sequence` increases per customer.
 */
export interface LedgerEvent<T = unknown> {
  id: EventId;
  type: EventType;
  tenantId: string;
  appId: string;
  customerId: string | null;
  sequence: number;
  createdAt: Date;
  data: { object: T };
  previousAttributes?: Record<string, unknown>;
}

/** A handler given to `subscribe`; it may throw, and is then retried. */
export type EventHandler = (event: LedgerEvent) => void | Promise<void>;
