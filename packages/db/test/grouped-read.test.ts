import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/index.js';
import { KEEP_UNLESS_ERASED } from '../src/store/platform.js';
import { createTestDatabase, testDatabaseKinds } from '../src/testing.js';

/**
 * A grouped read's keys come through `ledger_read_keys` (migration 0018), which the planner
 * expects to be a few rows: a prepared grouped read then probes the primary key once per key,
 * where jsonb_to_recordset's estimate of 100 rows made it hash a sequential scan of the table.
 * The kept answer of a keyed request compares the ids it mentions as one array, for the same
 * reason: as `IN (SELECT jsonb_array_elements_text(…))` it hashed a scan of every customer of the
 * tenant on every keyed write (PGlite, 5,000 customers: 2.2 ms a statement instead of 0.2 ms).
 */

type Row = Record<string, unknown>;

async function rows<T = Row>(database: Database, statement: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await database.db.execute(statement)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? [...result] : result.rows;
}

const KEYS_JSON = `'[{"i": 0, "tenant_id": "tg", "app_id": "a", "id": "cus_7"}]'`;

/** The kept answer's placeholders, for a key of the seeded tenant mentioning one customer. */
const KEPT: Record<string, string | number> = {
  tenantId: 'tg',
  appId: 'a',
  customerIds: '["cus_7"]',
  status: 201,
  headers: '{}',
  body: '{"id":"cus_7"}',
  key: 'keep-plan',
};

const literal = (value: string | number | undefined) =>
  typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`;

async function genericPlan(database: Database, from: string): Promise<string> {
  await database.db.execute(sql.raw('DEALLOCATE ALL'));
  await database.db.execute(
    sql.raw(`PREPARE grouped(jsonb) AS SELECT k.i, c.id FROM ${from}
      JOIN customers c ON c.tenant_id = k.tenant_id AND c.app_id = k.app_id AND c.id = k.id`),
  );
  await database.db.execute(sql.raw('SET plan_cache_mode = force_generic_plan'));
  const lines = await rows<{ 'QUERY PLAN': string }>(
    database,
    sql.raw(`EXPLAIN EXECUTE grouped(${KEYS_JSON})`),
  );
  await database.db.execute(sql.raw('RESET plan_cache_mode'));
  await database.db.execute(sql.raw('DEALLOCATE grouped'));
  return lines.map((line) => line['QUERY PLAN']).join('\n');
}

describe.each(testDatabaseKinds())('grouped reads on %s', { timeout: 120_000 }, (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await database.db.execute(
      sql.raw(`INSERT INTO customers (tenant_id, app_id, id, name, email, currency, created_at, updated_at)
        SELECT 'tg', 'a', 'cus_' || g, 'C', 'c' || g || '@grouped.example', 'USD', now(), now()
        FROM generate_series(1, 8000) g`),
    );
    await database.db.execute(sql.raw('ANALYZE customers'));
  });
  afterAll(() => database.close());

  it('probe the primary key once per key, whatever the size of the table', async () => {
    const plan = await genericPlan(database, 'ledger_read_keys($1) k');
    expect(plan).toMatch(/Index (Only )?Scan using customers_pkey on customers/);
    expect(plan).not.toMatch(/Seq Scan on customers/);
    const [found] = await rows<{ n: number }>(
      database,
      sql.raw(`SELECT count(*)::int AS n FROM ledger_read_keys(${KEYS_JSON}) k
        JOIN customers c ON c.tenant_id = k.tenant_id AND c.app_id = k.app_id AND c.id = k.id`),
    );
    expect(found?.n).toBe(1);
  });

  it('where the bare jsonb_to_recordset is planned as a hash over the whole table', async () => {
    const plan = await genericPlan(
      database,
      'jsonb_to_recordset($1) AS k(i int, tenant_id text, app_id text, id text)',
    );
    expect(plan).toMatch(/Seq Scan on customers/);
  });

  it('lock the customers a kept answer mentions by primary key, not the whole tenant', async () => {
    const { sql: text, names } = KEEP_UNLESS_ERASED.textOn(database.db);
    const bound = text.replace(/\$(\d+)/g, (_, n: string) => {
      const name = names[Number(n) - 1];
      if (!name) throw new Error(`$${n} is not a placeholder`);
      return literal(KEPT[name]);
    });
    const lines = await rows<{ 'QUERY PLAN': string }>(database, sql.raw(`EXPLAIN ${bound}`));
    const plan = lines.map((line) => line['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Index (Only )?Scan using customers_pkey on customers/);
    expect(plan).not.toMatch(/Seq Scan on customers/);
  });
});
