import type {
  BalanceStore,
  BalanceTransaction,
  BalanceTransactionId,
  CustomerId,
} from '@ledger/domain';
import { newId } from '@ledger/domain';
import { and, count, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { balanceTransactions, customers, events } from '../schema/index.js';
import { type CustomerObject, customerFromObject, customerObject } from './customer-object.js';
import {
  deliveryStart,
  EVENT_COLUMNS,
  EVENT_RETURNING,
  queueDeliveriesOf,
} from './event-insert.js';
import { inScope, rowsOf } from './scope.js';
import { idAtClock } from './sql-ids.js';

/** The storable range of a balance, ±(2^53 − 1) minor units (the column's CHECK says the same). */
const MAX_MINOR = Number.MAX_SAFE_INTEGER;

type Row = typeof balanceTransactions.$inferSelect;

/** A journal row as the domain model; shared with the export. */
export function toTransaction(row: Row): BalanceTransaction {
  return {
    id: row.id as BalanceTransactionId,
    customerId: row.customerId as CustomerId,
    type: row.type as BalanceTransaction['type'],
    amount: { amount: row.amount, currency: row.currency },
    endingBalance: { amount: row.endingBalance, currency: row.currency },
    description: row.description,
    invoiceId: row.invoiceId,
    createdAt: row.createdAt,
  };
}

/** The balance journal over either driver. */
export function balanceStore(db: Db): BalanceStore {
  return {
    async postBalance(scope, posting) {
      const at = posting.createdAt.toISOString();
      const amount = sql`${posting.amount}::bigint`;
      // One statement: concurrent postings queue on the customer's row lock, each sees the
      // balance the previous one left, and the lock is released when this statement commits.
      const result = await db.execute(sql`WITH c AS (
          UPDATE ${customers}
          SET balance = balance + ${amount}, event_sequence = event_sequence + 1
          WHERE tenant_id = ${scope.tenantId} AND app_id = ${scope.appId}
            AND id = ${posting.customerId} AND status = 'active'
            AND currency = ${posting.currency}
            AND balance + ${amount} BETWEEN ${-MAX_MINOR}::bigint AND ${MAX_MINOR}::bigint
          RETURNING tenant_id, app_id, id, balance, currency, event_sequence,
            ${customerObject(customers)} AS object),
        j AS (
          INSERT INTO ${balanceTransactions} (tenant_id, app_id, id, customer_id, type, amount,
            currency, ending_balance, description, invoice_id, created_at)
          SELECT c.tenant_id, c.app_id, ${idAtClock(posting.id)}, c.id, ${posting.type}, ${amount},
            c.currency, c.balance, ${posting.description}, ${posting.invoiceId}::text,
            ${at}::timestamptz
          FROM c
          RETURNING id),
        e AS (
          INSERT INTO ${events} ${EVENT_COLUMNS}
          SELECT c.tenant_id, c.app_id, ${idAtClock(posting.event.id)}, 'customer.balance.updated', c.id,
            c.event_sequence,
            jsonb_build_object('data', jsonb_build_object('object', c.object),
              'previousAttributes', jsonb_build_object('balance',
                jsonb_build_object('amount', c.balance - ${amount}, 'currency', c.currency))),
            ${deliveryStart(posting.createdAt, posting.event.owedInProcess)}
          FROM c
          ${EVENT_RETURNING}),
        d AS (${queueDeliveriesOf(newId('webhookDelivery'), undefined)})
        SELECT c.object, (SELECT id FROM j) AS id FROM c`);
      const row = rowsOf<{ object: CustomerObject; id: BalanceTransactionId }>(result)[0];
      if (!row) return null;
      const object = row.object;
      const customer = customerFromObject(object);
      return {
        customer,
        transaction: {
          id: row.id,
          customerId: posting.customerId,
          type: posting.type,
          amount: { amount: posting.amount, currency: customer.currency },
          endingBalance: customer.balance,
          description: posting.description,
          invoiceId: posting.invoiceId,
          createdAt: posting.createdAt,
        },
      };
    },

    async listBalanceTransactions(scope, customerId, page) {
      const where = and(
        inScope(balanceTransactions, scope),
        eq(balanceTransactions.customerId, customerId),
      );
      const pageWhere = page.startingAfter
        ? and(where, lt(balanceTransactions.id, page.startingAfter))
        : where;
      const [rows, totals] = await Promise.all([
        db
          .select()
          .from(balanceTransactions)
          .where(pageWhere)
          .orderBy(desc(balanceTransactions.id))
          .limit(page.limit + 1)
          .offset(page.offset),
        db.select({ total: count() }).from(balanceTransactions).where(where),
      ]);
      return {
        rows: rows.slice(0, page.limit).map(toTransaction),
        total: totals[0]?.total ?? 0,
        hasMore: rows.length > page.limit,
      };
    },
  };
}
