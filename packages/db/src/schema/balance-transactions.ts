import { sql } from 'drizzle-orm';
import { check, foreignKey, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, minor, scopeColumns } from './columns.js';
import { customers } from './customers.js';

/**
 * The balance journal. Rows are immutable: a trigger (migration 0001) refuses UPDATE and DELETE,
 * so history cannot be rewritten even by a bug in this package.
 */
export const balanceTransactions = pgTable(
  'balance_transactions',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    type: text('type').notNull(),
    amount: minor('amount').notNull(),
    currency: text('currency').notNull(),
    endingBalance: minor('ending_balance').notNull(),
    description: text('description').notNull(),
    invoiceId: text('invoice_id'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'balance_transactions_pkey', columns: [t.tenantId, t.appId, t.id] }),
    index('balance_transactions_customer_idx').on(t.tenantId, t.appId, t.customerId, t.id),
    foreignKey({
      name: 'balance_transactions_customer_fk',
      columns: [t.tenantId, t.appId, t.customerId],
      foreignColumns: [customers.tenantId, customers.appId, customers.id],
    }),
    check(
      'balance_transactions_type_check',
      sql`${t.type} IN ('credit', 'debit', 'adjustment', 'applied_to_invoice', 'unapplied_from_invoice', 'initial')`,
    ),
    check('balance_transactions_amount_check', sql`${t.amount} <> 0`),
  ],
);
