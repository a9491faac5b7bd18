import { pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, scopeColumns } from './columns.js';

/** The processor's own id for a Ledger customer (e.g. Stripe's `cus_…`), created once. */
export const processorCustomers = pgTable(
  'processor_customers',
  {
    ...scopeColumns,
    customerId: text('customer_id').notNull(),
    processor: text('processor').notNull(),
    externalId: text('external_id').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    primaryKey({
      name: 'processor_customers_pkey',
      columns: [t.tenantId, t.appId, t.customerId, t.processor],
    }),
  ],
);

/** Processor webhook events already applied, so a redelivered event changes nothing. */
export const processedEvents = pgTable(
  'processed_events',
  {
    ...scopeColumns,
    processor: text('processor').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    processedAt: at('processed_at').notNull(),
  },
  (t) => [
    primaryKey({
      name: 'processed_events_pkey',
      columns: [t.tenantId, t.appId, t.processor, t.eventId],
    }),
  ],
);
