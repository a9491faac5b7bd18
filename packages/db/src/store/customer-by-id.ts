import type { CustomerId, Scope } from '@ledger/domain';
import { sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { customers } from '../schema/index.js';
import { byKey, groupedRead, readKeysParam } from './grouped-read.js';
import { statementOn } from './prepared.js';

type Row = typeof customers.$inferSelect;

/** One customer to look up by id, in its scope. */
interface ById {
  scope: Scope;
  id: CustomerId;
}

/**
 * The customers of several lookups by id in one statement: the `keys` placeholder is a JSON array
 * of `{i, tenant_id, app_id, id}` read by `ledger_read_keys` (migration 0018), each joined by the
 * primary key within its own scope, and each row carries the `i` of its lookup. `prepare` names it for `statementOn`.
 */
function customersById(db: Db, prepare: boolean) {
  const query = db
    .select({ i: sql<number>`k.i`, customer: customers })
    .from(sql`ledger_read_keys(${sql.placeholder('keys')}::jsonb) as k`)
    .innerJoin(customers, byKey(customers, customers.id, 'id'));
  return prepare ? query.prepare('customers_by_id') : query;
}

/** The row of each lookup, in their order (null: none in that scope). */
async function readCustomers(db: Db, lookups: readonly ById[]): Promise<Array<Row | null>> {
  const keys = readKeysParam(lookups);
  const found: Array<Row | null> = lookups.map(() => null);
  for (const row of await statementOn(db, customersById).execute({ keys }))
    found[row.i] = row.customer;
  return found;
}

/**
 * Customers looked up by id outside a transaction (a `GET`, a portal page), gathered into one
 * statement per turn of the event loop ({@link groupedRead}).
 */
export const customerById = groupedRead(readCustomers);
