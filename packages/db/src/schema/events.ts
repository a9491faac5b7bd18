import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, minor, scopeColumns } from './columns.js';

/** What an outbox row stores besides its columns. */
export interface EventPayload {
  data: { object: unknown };
  previousAttributes?: Record<string, unknown>;
}

/**
 * The event outbox, written in the same transaction as the change. `position` orders delivery;
 * the delivery columns (`delivered_at`, `locked_until`, …) let any number of workers claim rows
 * with `FOR UPDATE SKIP LOCKED`.
 */
export const events = pgTable(
  'events',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    position: bigint('position', { mode: 'number' }).generatedAlwaysAsIdentity().notNull(),
    type: text('type').notNull(),
    customerId: text('customer_id'),
    sequence: minor('sequence').notNull(),
    payload: jsonb('payload').$type<EventPayload>().notNull(),
    createdAt: at('created_at').notNull(),
    deliveredAt: at('delivered_at'),
    deadAt: at('dead_at'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull(),
    lockedUntil: at('locked_until'),
    lastError: text('last_error'),
  },
  (t) => [
    primaryKey({ name: 'events_pkey', columns: [t.tenantId, t.appId, t.id] }),
    index('events_customer_idx').on(t.tenantId, t.appId, t.customerId, t.position),
    index('events_pending_idx')
      .on(t.position)
      .where(sql`${t.deliveredAt} IS NULL AND ${t.deadAt} IS NULL`),
    // A customer's undelivered events, for the claim's "is it the oldest?" probe and its run:
    // without it the probe walked every delivered event of the customer (60k buffers a claim).
    index('events_customer_pending_idx')
      .on(t.tenantId, t.appId, t.customerId, t.position)
      .where(sql`${t.deliveredAt} IS NULL AND ${t.deadAt} IS NULL`),
  ],
);
