import { foreignKey, index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, scopeColumns } from './columns.js';
import { customers } from './customers.js';

/** Card details the processor returned; never a card number. */
export interface CardDetails {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  country?: string;
}

/** Payment methods of customers; `removed_at` keeps removed ones for payment history. */
export const paymentMethods = pgTable(
  'payment_methods',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    processor: text('processor').notNull(),
    processorId: text('processor_id').notNull(),
    type: text('type').notNull().default('card'),
    card: jsonb('card').$type<CardDetails>(),
    createdAt: at('created_at').notNull(),
    removedAt: at('removed_at'),
  },
  (t) => [
    primaryKey({ name: 'payment_methods_pkey', columns: [t.tenantId, t.appId, t.id] }),
    index('payment_methods_customer_idx').on(t.tenantId, t.appId, t.customerId),
    index('payment_methods_processor_idx').on(t.processor, t.processorId),
    foreignKey({
      name: 'payment_methods_customer_fk',
      columns: [t.tenantId, t.appId, t.customerId],
      foreignColumns: [customers.tenantId, customers.appId, customers.id],
    }),
  ],
);
