import { is, type SQL } from 'drizzle-orm';
import { type PgDialect, type PgSession, PgTransaction } from 'drizzle-orm/pg-core';
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

/**
 * Runs `query`, a statement whose text is the same on every call (every value a parameter: one
 * `jsonb_to_recordset` parameter for a list, never a list of placeholders), as a prepared
 * statement. `db.execute` sends it unprepared, and postgres.js then describes a statement with
 * parameters before it binds them (two round trips, and the text parsed and planned each time);
 * prepared, it is parsed and planned once per connection and each run is one round trip. Only for
 * fixed texts: postgres.js keeps every prepared statement of a connection for its lifetime.
 * The result is what `db.execute` returns (read it with `rowsOf`).
 */
export function executePrepared(db: Db, query: SQL): Promise<unknown> {
  // drizzle marks these two @internal; they are how `db.execute` itself builds a statement.
  const { dialect, session } = db as unknown as { dialect: PgDialect; session: PgSession };
  return session.prepareQuery(dialect.sqlToQuery(query), undefined, 'fixed', false).execute();
}
