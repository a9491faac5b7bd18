import { addCredit, createCustomer, type ServiceContext } from '@ledger/domain';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/index.js';
import { createTestDatabase, testDatabaseKinds, testServiceContext } from '../src/testing.js';

describe.each(testDatabaseKinds())('store on %s', (kind) => {
  let database: Database;
  let ctx: ServiceContext;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    ctx = testServiceContext(database, { tenantId: 't1', appId: 'a1' });
  });
  afterAll(() => database.close());

  it('round-trips a customer and credits it through the journal', async () => {
    const created = await createCustomer(ctx, {
      name: 'Alice Johnson',
      email: 'Alice@Example.com',
      currency: 'usd',
      metadata: { crm: 'A-1' },
    });
    const result = await addCredit(ctx, {
      customerId: created.id,
      amount: { amount: 10_000, currency: 'USD' },
      reason: 'goodwill',
    });
    expect(result.balance).toEqual({ amount: -10_000, currency: 'USD' });
    const stored = await ctx.store.getCustomer(ctx.scope, created.id);
    expect(stored).toMatchObject({
      email: 'alice@example.com',
      currency: 'USD',
      metadata: { crm: 'A-1' },
    });
    expect(stored?.balance.amount).toBe(-10_000);
  });

  it('gives a transaction every method of the store, each part built as it is used', async () => {
    const created = await createCustomer(ctx, {
      name: 'Tx',
      email: 'tx@example.com',
      currency: 'USD',
    });
    const { store, scope } = ctx;
    await store.transaction(async (tx) => {
      expect(Object.keys(tx).sort()).toEqual(Object.keys(store).sort());
      expect('listEvents' in tx && 'transaction' in tx).toBe(true);
      expect('noSuchMethod' in tx).toBe(false);
      // A copy of it (a test's wrapper spreads one) still runs in the transaction.
      const copy = { ...tx };
      expect((await copy.getCustomer(scope, created.id, { forUpdate: true }))?.name).toBe('Tx');
      expect((await tx.getCustomer(scope, created.id))?.email).toBe('tx@example.com');
    });
  });

  it('refuses to update or delete journal rows', async () => {
    const refused = {
      cause: expect.objectContaining({ message: expect.stringMatching(/immutable/) }),
    };
    await expect(
      database.db.execute(sql`UPDATE balance_transactions SET amount = 1`),
    ).rejects.toMatchObject(refused);
    await expect(database.db.execute(sql`DELETE FROM balance_transactions`)).rejects.toMatchObject(
      refused,
    );
  });
});
