import type { PageResult } from '@ledger/domain';
import { and, count, desc, lt, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../database.js';

/**
 * One page of a table's rows matching `where`, newest first by `id` (TypeIDs sort by creation),
 * continued after `startingAfter`, with the total and whether more follow: the cursor lists of
 * events, webhook endpoints and their attempts all page this way.
 */
export async function newestFirstPage<T extends PgTable, R>(
  db: Db,
  table: T,
  id: PgColumn,
  where: SQL | undefined,
  page: { limit: number; startingAfter?: string | undefined },
  map: (row: T['$inferSelect']) => R,
): Promise<PageResult<R>> {
  const pageWhere = page.startingAfter ? and(where, lt(id, page.startingAfter)) : where;
  const [rows, totals] = await Promise.all([
    db
      .select()
      .from(table as PgTable)
      .where(pageWhere)
      .orderBy(desc(id))
      .limit(page.limit + 1),
    db
      .select({ total: count() })
      .from(table as PgTable)
      .where(where),
  ]);
  return {
    rows: (rows.slice(0, page.limit) as T['$inferSelect'][]).map(map),
    total: totals[0]?.total ?? 0,
    hasMore: rows.length > page.limit,
  };
}
