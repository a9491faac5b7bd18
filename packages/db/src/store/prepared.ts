import { is } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from '../database.js';

/** Each handle's prepared statements, by the function that built them. */
const preparedByDb = new WeakMap<Db, Map<(db: Db, prepare: boolean) => unknown, unknown>>();

/**
 * What `build` prepares on `db` (drizzle `.prepare()`: postgres.js keeps each statement parsed
 * and planned on every connection), built once per handle; null inside a transaction: a statement
 * prepared on the pool runs on the pool, not on the transaction's connection, and one prepared
 * per transaction saves nothing. Drizzle's building of a query per call costs more than the
 * database's answer to a lookup by key.
 */
export function preparedOn<T>(db: Db, build: (db: Db, prepare: boolean) => T): T | null {
  if (is(db, PgTransaction)) return null;
  let built = preparedByDb.get(db);
  if (!built) {
    built = new Map();
    preparedByDb.set(db, built);
  }
  if (!built.has(build)) built.set(build, build(db, true));
  return built.get(build) as T;
}

/**
 * The statement `build` makes: the one prepared on `db` (see {@link preparedOn}), or, inside a
 * transaction, one built for this call (`prepare` false).
 */
export function statementOn<T>(db: Db, build: (db: Db, prepare: boolean) => T): T {
  return preparedOn(db, build) ?? build(db, false);
}
