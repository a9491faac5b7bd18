import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/index.js';
import { createScratchPostgres, type ScratchPostgres, testDatabaseKinds } from '../src/testing.js';

/**
 * PGlite has no autovacuum: Ledger gathers its planner statistics itself (after migrations and
 * as tables grow), so that lookups by id probe the primary key instead of walking a tenant
 * through a scope index. Plans are asserted, not timed.
 */

type Row = Record<string, unknown>;

async function rows<T = Row>(database: Database, statement: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await database.db.execute(statement)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? [...result] : result.rows;
}

const SCOPE = { tenant: 'ten_stats', app: 'app_stats' };
const NOW = `'2026-01-01T00:00:00Z'::timestamptz`;

/**
 * `count` customers in one scope, each with a payment method, a subscription and an invoice:
 * the tables a request looks rows up in by id. Plain SQL, so the test grows them in one go.
 */
async function grow(database: Database, from: number, count: number): Promise<void> {
  const to = from + count - 1;
  const { tenant, app } = SCOPE;
  const series = `generate_series(${from}, ${to}) g`;
  const statements = `
    INSERT INTO plans (tenant_id, app_id, id, name, slug, currency, status, trial_days, features, pricing, metadata, created_at, updated_at)
      VALUES ('${tenant}', '${app}', 'plan_1', 'Plan', 'plan', 'USD', 'active', 0, '[]', '{}', '{}', ${NOW}, ${NOW})
      ON CONFLICT DO NOTHING;
    INSERT INTO customers (tenant_id, app_id, id, name, email, currency, created_at, updated_at)
      SELECT '${tenant}', '${app}', 'cus_' || g, 'Customer', 'c' || g || '@example.com', 'USD', ${NOW}, ${NOW} FROM ${series};
    INSERT INTO payment_methods (tenant_id, app_id, id, customer_id, processor, processor_id, created_at)
      SELECT '${tenant}', '${app}', 'pm_' || g, 'cus_' || g, 'test', 'tok_' || g, ${NOW} FROM ${series};
    INSERT INTO subscriptions (tenant_id, app_id, id, customer_id, plan_id, status, current_period_start, current_period_end, metadata, created_at, updated_at)
      SELECT '${tenant}', '${app}', 'sub_' || g, 'cus_' || g, 'plan_1', 'active', ${NOW}, ${NOW} + interval '1 month', '{}', ${NOW}, ${NOW} FROM ${series};
    INSERT INTO invoices (tenant_id, app_id, id, number, customer_id, subscription_id, status, currency, line_items, subtotal, tax, credit_applied, total, amount_due, amount_paid, period_start, period_end, created_at, updated_at)
      SELECT '${tenant}', '${app}', 'in_' || g, 'INV-' || g, 'cus_' || g, 'sub_' || g, 'open', 'USD', '[]', 100, '{}', 0, 100, 100, 0, ${NOW}, ${NOW} + interval '1 month', ${NOW}, ${NOW} FROM ${series};`;
  for (const statement of statements.split(';\n'))
    if (statement.trim()) await database.db.execute(sql.raw(statement));
}

/** The tables looked up by `tenant_id, app_id, id`, with an id that exists in each. */
const BY_ID = [
  ['customers', 'cus_7'],
  ['payment_methods', 'pm_7'],
  ['subscriptions', 'sub_7'],
  ['invoices', 'in_7'],
] as const;

/** The plan lines of a select and of an update by id, as the stores send them (with parameters). */
async function byIdPlans(database: Database, table: string, id: string): Promise<string[]> {
  const where = sql`WHERE tenant_id = ${SCOPE.tenant} AND app_id = ${SCOPE.app} AND id = ${id}`;
  const plans: string[] = [];
  for (const statement of [
    sql`EXPLAIN SELECT * FROM ${sql.identifier(table)} ${where}`,
    sql`EXPLAIN UPDATE ${sql.identifier(table)} SET tenant_id = tenant_id ${where}`,
  ]) {
    const lines = await rows<{ 'QUERY PLAN': string }>(database, statement);
    plans.push(lines.map((line) => line['QUERY PLAN']).join('\n'));
  }
  return plans;
}

async function expectPrimaryKeyLookups(
  database: Database,
  tables: ReadonlyArray<readonly [string, string]> = BY_ID,
): Promise<void> {
  for (const [table, id] of tables) {
    for (const plan of await byIdPlans(database, table, id)) {
      expect(plan, `${table}: ${plan}`).toMatch(new RegExp(`Index Scan using ${table}_pkey on`));
    }
  }
}

async function reltuples(database: Database, table: string): Promise<number> {
  const [row] = await rows<{ reltuples: number }>(
    database,
    sql`SELECT reltuples FROM pg_class WHERE oid = ${`public.${table}`}::regclass`,
  );
  return Number(row?.reltuples);
}

// Growing four tables by thousands of rows takes seconds of PGlite's CPU on a loaded machine.
describe('planner statistics on PGlite', { timeout: 120_000 }, () => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('are gathered for tables that grew, and lookups by id then probe the primary key', async () => {
    database = await openDatabase({});
    expect(await reltuples(database, 'customers')).toBeLessThanOrEqual(0);
    await grow(database, 1, 2_000);
    // Never analyzed, yet grown: the next pass (the background one, run here at once) finds it.
    const analyzed = await database.refreshStatistics();
    expect(analyzed).toEqual(expect.arrayContaining(BY_ID.map(([table]) => table)));
    expect(await reltuples(database, 'customers')).toBeGreaterThanOrEqual(2_000);
    const stats = await rows(
      database,
      sql`SELECT attname FROM pg_stats WHERE schemaname = 'public' AND tablename = 'customers'`,
    );
    expect(stats.map((row) => row.attname)).toEqual(
      expect.arrayContaining(['tenant_id', 'app_id', 'id']),
    );
    await expectPrimaryKeyLookups(database);
    // Nothing grew since: the next pass analyzes nothing (it stays cheap).
    expect(await database.refreshStatistics()).toEqual([]);
  });

  it('keeps lookups by id on the primary key when the tables grew far past their statistics', async () => {
    database = await openDatabase({});
    await grow(database, 1, 20);
    await database.refreshStatistics();
    // 100× the rows the statistics describe, none analyzed since.
    await grow(database, 21, 1_980);
    await expectPrimaryKeyLookups(database);
  });

  it('are gathered when a data directory opens, for what grew while they were stale', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-stats-'));
    try {
      const first = await openDatabase({ dataDir: dir });
      await grow(first, 1, 500);
      await first.close();
      database = await openDatabase({ dataDir: dir });
      expect(await reltuples(database, 'customers')).toBeGreaterThanOrEqual(500);
      await expectPrimaryKeyLookups(database);
    } finally {
      await database?.close();
      database = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * An entitlement check's read of its customer's plans (the store's statement, prepared), as
 * PostgreSQL plans it once it plans generically: the plan's lines.
 */
async function genericPlanOfCustomerPlans(database: Database): Promise<string> {
  const { tenant, app } = SCOPE;
  await database.db.execute(sql.raw('DEALLOCATE ALL'));
  await database.db.execute(
    sql.raw(`PREPARE plans_of(text, text, text) AS
      SELECT customers.id, subscriptions.id, plans.id FROM customers
      LEFT JOIN subscriptions ON subscriptions.tenant_id = customers.tenant_id
        AND subscriptions.app_id = customers.app_id AND subscriptions.customer_id = customers.id
      LEFT JOIN plans ON plans.tenant_id = subscriptions.tenant_id
        AND plans.app_id = subscriptions.app_id AND plans.id = subscriptions.plan_id
      WHERE customers.tenant_id = $1 AND customers.app_id = $2 AND customers.id = $3
      ORDER BY subscriptions.id`),
  );
  await database.db.execute(sql.raw('SET plan_cache_mode = force_generic_plan'));
  const lines = await rows<{ 'QUERY PLAN': string }>(
    database,
    sql.raw(`EXPLAIN EXECUTE plans_of('${tenant}', '${app}', 'cus_7')`),
  );
  await database.db.execute(sql.raw('RESET plan_cache_mode'));
  return lines.map((line) => line['QUERY PLAN']).join('\n');
}

describe.runIf(testDatabaseKinds().includes('postgres'))(
  'planner statistics on PostgreSQL where autovacuum is off',
  { timeout: 120_000 },
  () => {
    let scratch: ScratchPostgres;
    let database: Database;
    beforeAll(async () => {
      scratch = await createScratchPostgres();
      database = await openDatabase({ url: scratch.url, poolSize: 1 });
    });
    afterAll(async () => {
      await database.close();
      await scratch.drop();
    });

    it('are gathered for its tables that grew, so a prepared read by id keeps the primary key', async () => {
      const [setting] = await rows<{ on: boolean }>(
        database,
        sql`SELECT current_setting('autovacuum') = 'on' AS on`,
      );
      // Off for three of the tables looked up by id; `invoices` keeps the server's setting.
      const off = BY_ID.filter(([table]) => table !== 'invoices');
      for (const [table] of off)
        await database.db.execute(sql.raw(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`));
      await grow(database, 1, 2);
      await database.db.execute(sql.raw('ANALYZE'));
      // 2,500× the customers the statistics describe.
      await grow(database, 3, 4_998);
      const analyzed = await database.refreshStatistics();
      expect(analyzed).toEqual(expect.arrayContaining(off.map(([table]) => table)));
      expect(analyzed.includes('invoices')).toBe(!setting?.on);
      expect(await reltuples(database, 'customers')).toBeGreaterThanOrEqual(5_000);
      expect(await genericPlanOfCustomerPlans(database)).toMatch(
        /using customers_pkey on customers/,
      );
      await expectPrimaryKeyLookups(database, off);
      expect(await database.refreshStatistics()).toEqual([]);
    });
  },
);
