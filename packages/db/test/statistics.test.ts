import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/index.js';

/**
 * PGlite has no autovacuum: Ledger gathers its planner statistics itself (after migrations and
 * as tables grow), so that lookups by id probe the primary key instead of walking a tenant
 * through a scope index. Plans are asserted, not timed.
 */

type Row = Record<string, unknown>;

async function rows<T = Row>(database: Database, statement: ReturnType<typeof sql>): Promise<T[]> {
  return ((await database.db.execute(statement)) as unknown as { rows: T[] }).rows;
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

async function expectPrimaryKeyLookups(database: Database): Promise<void> {
  for (const [table, id] of BY_ID) {
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
