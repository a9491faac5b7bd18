import type {
  BalanceStore,
  BalanceTransaction,
  BalanceTransactionId,
  CustomerId,
} from '@ledger/domain';
import { LedgerError } from '@ledger/domain';
import { and, count, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { mapDbErrors } from '../errors.js';
import { balanceTransactions, customers } from '../schema/index.js';
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

/** The balance journal over either driver. */
export function balanceStore(db: Db): BalanceStore {
  return {
    async postBalance(scope, posting) {
      return mapDbErrors(async () => {
        // One atomic read-modify-write: concurrent postings queue on the row lock and each sees
        // the balance the previous one left, so no update is ever lost.
        const updated = await db
          .update(customers)
          .set({ balance: sql`${customers.balance} + ${posting.amount}` })
          .where(
            and(
              inScope(customers, scope),
              eq(customers.id, posting.customerId),
              eq(customers.currency, posting.currency),
            ),
          )
          .returning({ balance: customers.balance });
        const balance = updated[0]?.balance;
        if (balance === undefined) {
          throw new LedgerError(
            'customer_not_found',
            `No customer ${posting.customerId} in ${posting.currency}`,
          );
        }
        const rows = await db
          .insert(balanceTransactions)
          .values({ ...scope, ...posting, endingBalance: balance })
          .returning();
        return toTransaction(rows[0] as Row);
      });
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
