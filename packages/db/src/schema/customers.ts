import type { Address, Metadata, TaxId } from '@ledger/domain';
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { at, minor, scopeColumns } from './columns.js';

/** Customers. The balance column moves only together with a journal row (see balance store). */
export const customers = pgTable(
  'customers',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    name: text('name').notNull(),
    /** Null only once erased (`erased_at`): live customers always have one. */
    email: text('email'),
    billingAddress: jsonb('billing_address').$type<Address>(),
    defaultPaymentMethod: text('default_payment_method'),
    balance: minor('balance').notNull().default(sql`0`),
    currency: text('currency').notNull(),
    taxIds: jsonb('tax_ids').$type<TaxId[]>().notNull().default(sql`'[]'::jsonb`),
    taxExempt: text('tax_exempt').notNull().default('none'),
    metadata: jsonb('metadata').$type<Metadata>().notNull().default(sql`'{}'::jsonb`),
    status: text('status').notNull().default('active'),
    eventSequence: minor('event_sequence').notNull().default(sql`0`),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    deletedAt: at('deleted_at'),
    /** When the personal data was erased; an erased customer is deleted too. */
    erasedAt: at('erased_at'),
  },
  (t) => [
    primaryKey({ name: 'customers_pkey', columns: [t.tenantId, t.appId, t.id] }),
    uniqueIndex('customers_live_email_key')
      .on(t.tenantId, t.appId, t.email)
      .where(sql`${t.deletedAt} IS NULL`),
    index('customers_scope_created_idx').on(t.tenantId, t.appId, t.createdAt),
    check(
      'customers_balance_range',
      sql`${t.balance} BETWEEN -9007199254740991 AND 9007199254740991`,
    ),
    check('customers_status_check', sql`${t.status} IN ('active', 'deleted')`),
    check('customers_tax_exempt_check', sql`${t.taxExempt} IN ('none', 'exempt', 'reverse')`),
    check('customers_currency_check', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('customers_email_lower_check', sql`${t.email} = lower(${t.email})`),
    check(
      'customers_erased_check',
      sql`(${t.erasedAt} IS NULL OR ${t.deletedAt} IS NOT NULL) AND (${t.email} IS NOT NULL OR ${t.erasedAt} IS NOT NULL)`,
    ),
    check('customers_deleted_check', sql`(${t.status} = 'deleted') = (${t.deletedAt} IS NOT NULL)`),
  ],
);
