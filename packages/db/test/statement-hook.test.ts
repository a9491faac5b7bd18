import { createCustomer } from '@ledger/domain';
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
    await createCustomer(ctx, { name: 'A', email: 'a@hook.example', currency: 'USD' });
    const written = seen.slice(1);
    expect(written[0]?.trim().toLowerCase()).toBe('begin');
    expect(written.at(-1)?.trim().toLowerCase()).toBe('commit');
    expect(written.some((sql) => /insert into "customers"/i.test(sql))).toBe(true);
  });
});
