import { createCustomer, updateCustomer } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/index.js';
import {
  createScratchPostgres,
  type ScratchPostgres,
  testDatabaseKinds,
  testServiceContext,
} from '../src/testing.js';

describe.runIf(testDatabaseKinds().includes('postgres'))('onStatement on postgres', () => {
  let scratch: ScratchPostgres;
  let database: Database;
  const seen: string[] = [];

  beforeAll(async () => {
    scratch = await createScratchPostgres();
    database = await openDatabase({ url: scratch.url, onStatement: (sql) => seen.push(sql) });
  });
  afterAll(async () => {
    await database.close();
    await scratch.drop();
  });

  it('hears every statement the pool sends, transaction control included, and no migration', async () => {
    expect(seen).toEqual([]);
    await database.ping();
    expect(seen).toEqual(['SELECT 1']);
    const ctx = testServiceContext(database, { tenantId: 't', appId: 'a' });
    const customer = await createCustomer(ctx, {
      name: 'A',
      email: 'a@hook.example',
      currency: 'USD',
    });
    // A new customer is one statement (with its event), without BEGIN/COMMIT.
    expect(seen.slice(1)).toHaveLength(1);
    expect(seen[1]).toMatch(/insert into "customers"/i);
    seen.length = 0;
    await updateCustomer(ctx, { id: customer.id, name: 'B' });
    expect(seen[0]?.trim().toLowerCase()).toBe('begin');
    expect(seen.at(-1)?.trim().toLowerCase()).toBe('commit');
    expect(seen.some((sql) => /update "customers"/i.test(sql))).toBe(true);
  });
});
