import type {
  BalanceStore,
  BalanceTransaction,
  BalanceTransactionId,
  CustomerId,
} from '@ledger/domain';
import { and, count, desc, eq, is, lt } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from '../database.js';
import { balanceTransactions } from '../schema/index.js';
import { postInOneStatement, postingGroups } from './balance-postings.js';
import { inScope } from './scope.js';

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

/**
 * The balance journal over either driver. A posting outside a transaction is group-committed
 * with the same customer's concurrent ones (see `postingGroups`); inside one, it is its own
 * statement in that transaction.
 */
export function balanceStore(db: Db): BalanceStore {
  return {
    postBalance: is(db, PgTransaction)
      ? async (scope, posting) => (await postInOneStatement(db, scope, [posting]))?.[0] ?? null
      : postingGroups(db),

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
