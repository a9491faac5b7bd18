import { createCustomer, type IdempotencyStore, type StepJournal } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformStore, type Database } from '../src/index.js';
import { createTestDatabase, testDatabaseKinds, testServiceContext } from '../src/testing.js';

/**
 * The idempotency records under a keyed request: reservations by owner, the journal of
 * committed transactions, and what release keeps (the store half of `runIdempotently`).
 */

const scope = { tenantId: 't', appId: 'a' };
const HOUR = 3_600_000;

const journalOf = (recorded: ReadonlyMap<number, string>): StepJournal => ({
  recorded,
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text),
});

describe.each(testDatabaseKinds())('idempotency journal on %s', (kind) => {
  let database: Database;
  let records: IdempotencyStore;
  const at = new Date('2026-06-01T10:00:00.000Z');
  const reserve = (key: string, options: { hash?: string; owner: string; now?: Date }) => {
    const now = options.now ?? at;
    return records.reserveIdempotencyKey(scope, {
      key,
      requestHash: options.hash ?? 'h1',
      owner: options.owner,
      now,
      expiredBefore: new Date(now.getTime() - 24 * HOUR),
      lockedUntil: new Date(now.getTime() + 5 * 60_000),
    });
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    records = await createPlatformStore(database.db);
  });
  afterAll(() => database.close());

  /** A keyed "request": two transactions through the journaled store, the first a create. */
  async function request(key: string, recorded: ReadonlyMap<number, string>) {
    const ctx = {
      ...testServiceContext(database, scope),
      store: records.journaledStore(scope, key, journalOf(recorded)),
    };
    const customer = await createCustomer(ctx, {
      name: 'Once',
      email: `${key}@journal.example`,
      currency: 'USD',
    });
    const count = await ctx.store.transaction(async (tx) => {
      const page = await tx.listCustomers(scope, {
        email: `${key}@journal.example`,
        status: 'all',
        limit: 10,
        offset: 0,
      });
      return page.total;
    });
    return { customer, count };
  }

  it('records each committed transaction, and a resumed request replays them instead of running', async () => {
    const first = await reserve('k1', { owner: 'o1' });
    expect(first).toEqual({ reserved: true, steps: new Map() });
    const ran = await request('k1', new Map());
    expect(ran.count).toBe(1);
    // The attempt failed before its answer was recorded: it lets go, the steps stay.
    await records.releaseIdempotencyKey(scope, 'k1', 'o1');
    const resumed = await reserve('k1', { owner: 'o2', now: new Date(at.getTime() + 1_000) });
    if (!resumed.reserved) throw new Error('the released key resumes');
    expect([...resumed.steps.keys()]).toEqual([0, 1]);
    const again = await request('k1', resumed.steps);
    expect(again.customer.id).toBe(ran.customer.id);
    expect(again.count).toBe(1);
  });

  it('gives an attempt its own reservation back, and holds it against another', async () => {
    await reserve('k2', { owner: 'o1' });
    expect((await reserve('k2', { owner: 'o1' })).reserved).toBe(true);
    const other = await reserve('k2', { owner: 'o2' });
    expect(other).toMatchObject({ reserved: false, record: { status: 'in_progress' } });
  });

  it('forgets a released key that committed nothing, and only for its owner', async () => {
    await reserve('k3', { owner: 'o1' });
    await records.releaseIdempotencyKey(scope, 'k3', 'someone-else');
    expect((await reserve('k3', { owner: 'o2' })).reserved).toBe(false);
    await records.releaseIdempotencyKey(scope, 'k3', 'o1');
    expect((await reserve('k3', { owner: 'o2', hash: 'h2' })).reserved).toBe(true);
  });

  it('refuses another request on a key with committed steps, even after its lease', async () => {
    await reserve('k4', { owner: 'o1' });
    await request('k4', new Map());
    const later = new Date(at.getTime() + HOUR);
    const other = await reserve('k4', { owner: 'o2', hash: 'h2', now: later });
    expect(other).toMatchObject({ reserved: false, record: { requestHash: 'h1' } });
  });

  it('starts a new generation when the key expired: its old steps are not replayed', async () => {
    await reserve('k5', { owner: 'o1' });
    await request('k5', new Map());
    const nextDay = new Date(at.getTime() + 25 * HOUR);
    const fresh = await reserve('k5', { owner: 'o2', hash: 'h2', now: nextDay });
    expect(fresh).toEqual({ reserved: true, steps: new Map() });
  });
});
