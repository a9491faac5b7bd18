import { type CustomerId, createCustomer, type ServiceContext } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/index.js';
import { createTestDatabase, testDatabaseKinds, testServiceContext } from '../src/testing.js';

describe.runIf(testDatabaseKinds().includes('postgres'))('transactions on postgres', () => {
  let database: Database;
  let ctx: ServiceContext;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    ctx = testServiceContext(database, { tenantId: 't', appId: 'a' });
  });
  afterAll(() => database.close());

  it('retries the transaction PostgreSQL aborts to break a deadlock, so both complete', async () => {
    const a = await createCustomer(ctx, {
      name: 'A',
      email: 'a@deadlock.example',
      currency: 'USD',
    });
    const b = await createCustomer(ctx, {
      name: 'B',
      email: 'b@deadlock.example',
      currency: 'USD',
    });
    let locked = 0;
    let release: () => void = () => {};
    const bothLocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    let runs = 0;
    // Each transaction locks one row, waits until the other holds its row, then asks for it.
    const crossing = (first: CustomerId, second: CustomerId) =>
      ctx.store.transaction(async (tx) => {
        runs++;
        await tx.getCustomer(ctx.scope, first, { forUpdate: true });
        if (++locked === 2) release();
        await bothLocked;
        await tx.getCustomer(ctx.scope, second, { forUpdate: true });
        return first;
      });
    const results = await Promise.all([crossing(a.id, b.id), crossing(b.id, a.id)]);
    expect(results).toEqual([a.id, b.id]);
    // One of the two was chosen as the deadlock victim and ran again.
    expect(runs).toBe(3);
  });
});
