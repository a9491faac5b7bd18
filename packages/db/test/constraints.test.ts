import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Db } from '../src/index.js';
import { createTestDatabase, testDatabaseKinds } from '../src/testing.js';

type Row = Record<string, unknown>;

/** Rows of a raw query: postgres.js returns an array of rows, PGlite `{ rows }`. */
async function query<T = Row>(db: Db, statement: SQL): Promise<T[]> {
  const result: unknown = await db.execute(statement);
  if (Array.isArray(result)) return result as T[];
  return (result as { rows: T[] }).rows;
}

interface PgFailure {
  code: string;
  constraint: string | undefined;
  message: string;
}

/** The driver's error behind drizzle's wrapper, from either driver. */
async function failureOf(promise: Promise<unknown>): Promise<PgFailure> {
  try {
    await promise;
  } catch (error) {
    let current: unknown = error;
    for (let depth = 0; current && depth < 5; depth++) {
      const candidate = current as Row & { cause?: unknown };
      if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
        const constraint = candidate.constraint ?? candidate.constraint_name;
        return {
          code: candidate.code,
          constraint: typeof constraint === 'string' ? constraint : undefined,
          message: String(candidate.message),
        };
      }
      current = candidate.cause;
    }
    throw error;
  }
  throw new Error('the statement succeeded');
}

const UNIQUE_VIOLATION = '23505';
const CHECK_VIOLATION = '23514';

let counter = 0;

describe.each(testDatabaseKinds())('database constraints on %s', (kind) => {
  let database: Database;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    db = database.db;
  });
  afterAll(() => database.close());

  /** Inserts a customer row by hand, bypassing the store and its checks. */
  function insertCustomer(row: {
    tenant?: string;
    app?: string;
    email: string;
    deleted?: boolean;
    id?: string;
  }) {
    const id = row.id ?? `cus_raw_${kind}_${++counter}`;
    const deleted = row.deleted ?? false;
    return db.execute(sql`
      INSERT INTO customers (tenant_id, app_id, id, name, email, currency, status, created_at,
                             updated_at, deleted_at)
      VALUES (${row.tenant ?? 't1'}, ${row.app ?? 'a1'}, ${id}, 'Raw', ${row.email}, 'USD',
              ${deleted ? 'deleted' : 'active'}, now(), now(), ${deleted ? sql`now()` : null})`);
  }

  async function countCustomers(email: string): Promise<number> {
    const rows = await query<{ n: number | string }>(
      db,
      sql`SELECT count(*)::int AS n FROM customers WHERE email = ${email}`,
    );
    return Number(rows[0]?.n);
  }

  describe('one live customer per email and scope', () => {
    it('refuses a second live row with the same tenant, app and email', async () => {
      await insertCustomer({ email: 'dup@example.com' });
      const failure = await failureOf(insertCustomer({ email: 'dup@example.com' }));
      expect(failure).toMatchObject({
        code: UNIQUE_VIOLATION,
        constraint: 'customers_live_email_key',
      });
      expect(await countCustomers('dup@example.com')).toBe(1);
    });

    it('lets a deleted row keep its email while a live one takes it', async () => {
      await insertCustomer({ email: 'reuse@example.com', deleted: true });
      await insertCustomer({ email: 'reuse@example.com', deleted: true });
      await insertCustomer({ email: 'reuse@example.com' });
      expect(await countCustomers('reuse@example.com')).toBe(3);
      await expect(
        failureOf(insertCustomer({ email: 'reuse@example.com' })),
      ).resolves.toMatchObject({ code: UNIQUE_VIOLATION });
    });

    it('frees the email when the live row is deleted', async () => {
      const id = `cus_raw_${kind}_freed`;
      await insertCustomer({ id, email: 'freed@example.com' });
      await db.execute(sql`
        UPDATE customers SET status = 'deleted', deleted_at = now()
        WHERE tenant_id = 't1' AND app_id = 'a1' AND id = ${id}`);
      await insertCustomer({ email: 'freed@example.com' });
      expect(await countCustomers('freed@example.com')).toBe(2);
    });

    it('does not let another tenant or another app block the email', async () => {
      await insertCustomer({ email: 'shared@example.com' });
      await insertCustomer({ email: 'shared@example.com', tenant: 't2' });
      await insertCustomer({ email: 'shared@example.com', app: 'a2' });
      expect(await countCustomers('shared@example.com')).toBe(3);
    });

    it('refuses to revive a deleted row onto a live email', async () => {
      const id = `cus_raw_${kind}_revived`;
      await insertCustomer({ id, email: 'revive@example.com', deleted: true });
      await insertCustomer({ email: 'revive@example.com' });
      const failure = await failureOf(
        db.execute(sql`
          UPDATE customers SET status = 'active', deleted_at = NULL
          WHERE tenant_id = 't1' AND app_id = 'a1' AND id = ${id}`),
      );
      expect(failure.constraint).toBe('customers_live_email_key');
    });
  });

  describe('balance range', () => {
    const id = `cus_raw_${kind}_balance`;
    const setBalance = (expression: SQL) =>
      db.execute(sql`
        UPDATE customers SET balance = ${expression}
        WHERE tenant_id = 't1' AND app_id = 'a1' AND id = ${id}`);
    const balance = async () => {
      const rows = await query<{ balance: string }>(
        db,
        sql`SELECT balance::text AS balance FROM customers WHERE id = ${id}`,
      );
      return rows[0]?.balance;
    };

    beforeAll(async () => {
      await insertCustomer({ id, email: 'balance@example.com' });
    });

    it('holds balances up to ±(2^53 − 1)', async () => {
      await setBalance(sql`9007199254740991`);
      expect(await balance()).toBe('9007199254740991');
      await setBalance(sql`-9007199254740991`);
      expect(await balance()).toBe('-9007199254740991');
    });

    it('refuses a balance one beyond either end, leaving the row as it was', async () => {
      await setBalance(sql`9007199254740991`);
      const over = await failureOf(setBalance(sql`balance + 1`));
      expect(over).toMatchObject({ code: CHECK_VIOLATION, constraint: 'customers_balance_range' });
      expect(await balance()).toBe('9007199254740991');

      await setBalance(sql`-9007199254740991`);
      const under = await failureOf(setBalance(sql`balance - 1`));
      expect(under).toMatchObject({ code: CHECK_VIOLATION, constraint: 'customers_balance_range' });
      expect(await balance()).toBe('-9007199254740991');
    });

    it('refuses an out-of-range balance on insert too', async () => {
      const failure = await failureOf(
        db.execute(sql`
          INSERT INTO customers (tenant_id, app_id, id, name, email, currency, balance,
                                 created_at, updated_at)
          VALUES ('t1', 'a1', ${`cus_raw_${kind}_huge`}, 'Huge', 'huge@example.com', 'USD',
                  9007199254740992, now(), now())`),
      );
      expect(failure.constraint).toBe('customers_balance_range');
    });
  });

  describe('the balance journal', () => {
    const customerId = `cus_raw_${kind}_journal`;
    const journalRows = async () => {
      const rows = await query<{ n: number | string }>(
        db,
        sql`SELECT count(*)::int AS n FROM balance_transactions WHERE customer_id = ${customerId}`,
      );
      return Number(rows[0]?.n);
    };

    beforeAll(async () => {
      await insertCustomer({ id: customerId, email: 'journal@example.com' });
      await db.execute(sql`
        INSERT INTO balance_transactions (tenant_id, app_id, id, customer_id, type, amount,
                                          currency, ending_balance, description, created_at)
        VALUES ('t1', 'a1', ${`cbtxn_raw_${kind}`}, ${customerId}, 'credit', -500, 'USD', -500,
                'goodwill', now())`);
    });

    it('refuses TRUNCATE', async () => {
      const failure = await failureOf(db.execute(sql`TRUNCATE balance_transactions`));
      expect(failure.message).toMatch(/immutable/);
      expect(await journalRows()).toBe(1);
    });

    it('refuses a TRUNCATE that would reach it by cascade', async () => {
      const failure = await failureOf(db.execute(sql`TRUNCATE customers CASCADE`));
      expect(failure.message).toMatch(/immutable/);
      expect(await journalRows()).toBe(1);
      expect(await countCustomers('journal@example.com')).toBe(1);
    });
  });

  describe('the scope leads every key', () => {
    interface KeyIndex {
      table_name: string;
      index_name: string;
      is_primary: boolean;
      first_column: string | null;
      second_column: string | null;
    }

    /**
     * Tables that hold no tenant data and are written before any scope is known, so cannot lead
     * with it: the rate limit counters of API keys and of client addresses (a failed
     * authentication has no scope). Each is named, so any other unscoped table still fails.
     */
    const UNSCOPED = new Set(['rate_limits']);
    const scoped = (table: string) => !UNSCOPED.has(table);

    let tables: string[];
    let keys: KeyIndex[];

    beforeAll(async () => {
      const tableRows = await query<{ table_name: string }>(
        db,
        sql`
          SELECT c.relname AS table_name
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            AND c.relname <> '__drizzle_migrations'
          ORDER BY 1`,
      );
      tables = tableRows.map((row) => row.table_name);
      keys = await query<KeyIndex>(
        db,
        sql`
          SELECT t.relname AS table_name,
                 i.relname AS index_name,
                 x.indisprimary AS is_primary,
                 CASE WHEN x.indnkeyatts >= 1 THEN pg_get_indexdef(x.indexrelid, 1, true) END
                   AS first_column,
                 CASE WHEN x.indnkeyatts >= 2 THEN pg_get_indexdef(x.indexrelid, 2, true) END
                   AS second_column
          FROM pg_index x
          JOIN pg_class t ON t.oid = x.indrelid
          JOIN pg_class i ON i.oid = x.indexrelid
          JOIN pg_namespace n ON n.oid = t.relnamespace
          WHERE n.nspname = 'public' AND t.relkind IN ('r', 'p')
            AND t.relname <> '__drizzle_migrations'
            AND (x.indisprimary OR x.indisunique)
          ORDER BY 1, 2`,
      );
    });

    it('finds the tables and keys it checks', () => {
      expect(tables).toEqual(
        expect.arrayContaining([
          'api_keys',
          'balance_transactions',
          'customers',
          'events',
          'idempotency_keys',
          'payment_methods',
          ...UNSCOPED,
        ]),
      );
      expect(keys.map((key) => key.index_name)).toEqual(
        expect.arrayContaining(['customers_pkey', 'customers_live_email_key']),
      );
    });

    it('gives every table a primary key', () => {
      const withPrimaryKey = new Set(keys.filter((k) => k.is_primary).map((k) => k.table_name));
      expect(tables.filter((table) => !withPrimaryKey.has(table))).toEqual([]);
    });

    it('starts every primary key and unique index with tenant_id, app_id', () => {
      const offenders = keys
        .filter((key) => scoped(key.table_name))
        .filter((key) => key.first_column !== 'tenant_id' || key.second_column !== 'app_id')
        .map(
          (key) =>
            `${key.table_name}.${key.index_name} (${key.first_column}, ${key.second_column})`,
        );
      expect(offenders).toEqual([]);
    });

    it('gives every table non-null tenant_id and app_id columns', async () => {
      const columns = await query<{ table_name: string; column_name: string }>(
        db,
        sql`
          SELECT c.relname AS table_name, a.attname AS column_name
          FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            AND a.attname IN ('tenant_id', 'app_id') AND a.attnotnull AND NOT a.attisdropped`,
      );
      for (const table of tables.filter(scoped)) {
        const scope = columns.filter((c) => c.table_name === table).map((c) => c.column_name);
        expect({ table, scoped: scope.sort() }).toEqual({
          table,
          scoped: ['app_id', 'tenant_id'],
        });
      }
    });
  });
});
