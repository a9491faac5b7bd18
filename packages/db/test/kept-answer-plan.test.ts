import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/index.js';
import { KEEP_UNLESS_ERASED } from '../src/store/platform.js';
import { createTestDatabase, testDatabaseKinds } from '../src/testing.js';

/**
 * The kept answer of a keyed request locks the customers it mentions by primary key, however
 * many customers the tenant has: read as `IN (SELECT jsonb_array_elements_text(…))`, the planner
 * took the ids for 100 rows and hashed a scan of every customer of the tenant, on every keyed
 * write (PGlite, 5,000 customers: 2.2 ms instead of 0.2 ms).
 */

const VALUES: Record<string, string | number> = {
  tenantId: 'tk',
  appId: 'a',
  customerIds: '["cus_7"]',
  status: 201,
  headers: '{}',
  body: '{"id":"cus_7"}',
  key: 'keep-plan',
};

const literal = (value: string | number | undefined) =>
  typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`;

describe.each(testDatabaseKinds())('the kept answer on %s', { timeout: 120_000 }, (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await database.db.execute(
      sql.raw(`INSERT INTO customers (tenant_id, app_id, id, name, email, currency, created_at, updated_at)
        SELECT 'tk', 'a', 'cus_' || g, 'C', 'c' || g || '@kept.example', 'USD', now(), now()
        FROM generate_series(1, 8000) g`),
    );
    await database.db.execute(sql.raw('ANALYZE customers'));
  });
  afterAll(() => database.close());

  it('probes the primary key of the customers it mentions, not the whole tenant', async () => {
    const { sql: text, names } = KEEP_UNLESS_ERASED.textOn(database.db);
    const bound = text.replace(/\$(\d+)/g, (_, n: string) => {
      const name = names[Number(n) - 1];
      if (!name) throw new Error(`$${n} is not a placeholder`);
      return literal(VALUES[name]);
    });
    const result = (await database.db.execute(sql.raw(`EXPLAIN ${bound}`))) as unknown as
      | Array<Record<string, string>>
      | { rows: Array<Record<string, string>> };
    const plan = (Array.isArray(result) ? result : result.rows)
      .map((line) => line['QUERY PLAN'])
      .join('\n');
    expect(plan).toMatch(/Index (Only )?Scan using customers_pkey on customers/);
    expect(plan).not.toMatch(/Seq Scan on customers/);
  });
});
