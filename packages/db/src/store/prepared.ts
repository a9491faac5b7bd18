import { is, Param, Placeholder, type Query, type SQL } from 'drizzle-orm';
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

/** What `db.execute` itself builds a statement with (drizzle marks both @internal). */
function internals(db: Db): { dialect: PgDialect; session: PgSession } {
  return db as unknown as { dialect: PgDialect; session: PgSession };
}

/** Runs a built statement as a prepared one (see {@link executePrepared}). */
function runPrepared(db: Db, query: Query): Promise<unknown> {
  return internals(db).session.prepareQuery(query, undefined, 'fixed', false).execute();
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
  return runPrepared(db, internals(db).dialect.sqlToQuery(query));
}

/** How one parameter of a built statement gets its value on each call. */
type Slot = (values: Record<string, unknown>) => unknown;

/**
 * The parameters of a built statement as slots, worked out once: a constant stays itself; a
 * placeholder takes its value from the call's `values`, encoded as its column encodes it (a JSON
 * column's value as JSON text, a date as ISO text), null staying null (drizzle's own
 * `fillPlaceholders` hands null to the encoder too, which a date column's cannot take).
 */
function slotsOf(params: readonly unknown[]): Slot[] {
  return params.map((param): Slot => {
    const placeholder = placeholderOf(param);
    if (!placeholder) return () => param;
    const { name } = placeholder;
    const encoder = is(param, Param) ? param.encoder : null;
    return (values) => {
      if (!(name in values)) throw new Error(`No value for placeholder "${name}"`);
      const value = values[name];
      return value === null || !encoder ? value : encoder.mapToDriverValue(value);
    };
  });
}

/** The placeholder a built parameter stands for (drizzle wraps a column's in a `Param`), if any. */
function placeholderOf(param: unknown): Placeholder | null {
  const inner = is(param, Param) ? param.value : param;
  return is(inner, Placeholder) ? inner : null;
}

/** A statement {@link fixedStatement} built, and what it is (for the tests of its plan). */
export interface FixedStatement {
  (db: Db, values: Record<string, unknown>): Promise<unknown>;
  /** Its text, and the placeholder each `$n` takes (null: a constant). */
  textOn(db: Db): { sql: string; names: Array<string | null> };
}

/** The placeholder name each parameter takes, in order; null for a constant. */
function namesOf(params: readonly unknown[]): Array<string | null> {
  return params.map((param) => placeholderOf(param)?.name ?? null);
}

/**
 * A fixed statement built once: `build` writes it with a `sql.placeholder` for every value, and
 * each call runs it prepared (as {@link executePrepared}) with `values` for the placeholders.
 * Building a composed statement with drizzle takes longer than the database takes to run it
 * (a fifth of a new customer's CPU), and its text never changes; both drivers' dialects write the
 * same text, so it is built with the first handle it runs on.
 */
export function fixedStatement(build: (db: Db) => SQL): FixedStatement {
  let built: { query: Query; slots: Slot[] } | undefined;
  const builtOn = (db: Db) => {
    if (!built) {
      const query = internals(db).dialect.sqlToQuery(build(db));
      built = { query, slots: slotsOf(query.params) };
    }
    return built;
  };
  const run = (db: Db, values: Record<string, unknown>) => {
    const { query, slots } = builtOn(db);
    return runPrepared(db, { sql: query.sql, params: slots.map((slot) => slot(values)) });
  };
  return Object.assign(run, {
    textOn: (db: Db) => {
      const { query } = builtOn(db);
      return { sql: query.sql, names: namesOf(query.params) };
    },
  });
}
