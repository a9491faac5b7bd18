import { sql } from 'drizzle-orm';
import {
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
} from 'drizzle-orm/pg-core';
import { at, minor, scopeColumns } from './columns.js';
import { events } from './events.js';

/**
 * Webhook endpoints. The signing secrets are stored sealed (encrypted with `LEDGER_SECRET_KEY`),
 * so a dump of this table cannot sign a webhook; `failing_since` drives the 5-day auto-disable.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    url: text('url').notNull(),
    enabledEvents: text('enabled_events').array().notNull(),
    status: text('status').notNull(),
    disabledReason: text('disabled_reason'),
    description: text('description'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    sealedSecret: text('sealed_secret').notNull(),
    sealedPreviousSecret: text('sealed_previous_secret'),
    previousSecretExpiresAt: at('previous_secret_expires_at'),
    failingSince: at('failing_since'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'webhook_endpoints_pkey', columns: [t.tenantId, t.appId, t.id] }),
    check('webhook_endpoints_status_check', sql`${t.status} IN ('enabled', 'disabled')`),
  ],
);

/**
 * Delivery attempts, one row each: the queue (rows `pending`, claimed with a lease and
 * `FOR UPDATE SKIP LOCKED`) and the attempts log at once. A failed attempt with retries left is
 * followed by a new pending row. `customer_id` and `event_sequence` keep each (endpoint,
 * customer) in order. Deleting an endpoint or pruning an event deletes its rows.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    endpointId: text('endpoint_id').notNull(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    customerId: text('customer_id'),
    eventSequence: minor('event_sequence').notNull(),
    attempt: integer('attempt').notNull(),
    status: text('status').notNull(),
    responseStatus: integer('response_status'),
    responseExcerpt: text('response_excerpt'),
    durationMs: integer('duration_ms'),
    error: text('error'),
    createdAt: at('created_at').notNull(),
    nextAttemptAt: at('next_attempt_at'),
    lockedUntil: at('locked_until'),
    claimToken: text('claim_token'),
  },
  (t) => [
    primaryKey({ name: 'webhook_deliveries_pkey', columns: [t.tenantId, t.appId, t.id] }),
    foreignKey({
      name: 'webhook_deliveries_endpoint_fk',
      columns: [t.tenantId, t.appId, t.endpointId],
      foreignColumns: [webhookEndpoints.tenantId, webhookEndpoints.appId, webhookEndpoints.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'webhook_deliveries_event_fk',
      columns: [t.tenantId, t.appId, t.eventId],
      foreignColumns: [events.tenantId, events.appId, events.id],
    }).onDelete('cascade'),
    check(
      'webhook_deliveries_status_check',
      sql`${t.status} IN ('pending', 'succeeded', 'failed')`,
    ),
    index('webhook_deliveries_endpoint_idx').on(t.tenantId, t.appId, t.endpointId, t.id),
    index('webhook_deliveries_event_idx').on(t.tenantId, t.appId, t.eventId),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_order_idx')
      .on(t.tenantId, t.appId, t.endpointId, t.customerId, t.eventSequence)
      .where(sql`${t.status} = 'pending'`),
  ],
);
