import { testDatabaseKinds } from '@ledger/db/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  balanceOf,
  createCustomer,
  type ErrorBody,
  errorOf,
  expectEnvelopeFields,
  holdOpen,
  type Wire,
} from './support.js';

/** Polls `probe` until it is true (the pool reconnects on its own), at most `tries` times. */
async function eventually(probe: () => Promise<boolean>, tries = 100): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

describe.each(testDatabaseKinds())('/healthz and /readyz on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterAll(() => t.close());

  it('is live and ready, without a key', async () => {
    const live = await t.rest('GET', '/healthz', { key: null });
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await t.rest('GET', '/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', database: 'ok' });
  });
});

describe.each(testDatabaseKinds().filter((kind) => kind === 'postgres'))(
  'PostgreSQL cut off and back (%s)',
  (kind) => {
    let t: TestLedger;
    beforeAll(async () => {
      t = await startTestLedger(kind);
    });
    afterAll(async () => {
      await t.database.faults?.restore();
      await t.close();
    });

    it('answers 503 on /readyz and the error envelope while cut, and recovers without a restart', async () => {
      const faults = t.database.faults;
      if (!faults) throw new Error('a PostgreSQL test database has faults');
      const before = await createCustomer(t, { email: 'before-cut@example.com' });

      await faults.cut();
      const ready = await t.rest('GET', '/readyz', { key: null });
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable', database: 'unreachable' });
      const refused = await t.rest<ErrorBody>('GET', `/ledger/customers/${before.id}`);
      expect(refused.status).toBe(503);
      expect(expectEnvelopeFields(refused)).toMatchObject({
        type: 'server',
        code: 'database_unavailable',
      });
      const write = await t.rest<ErrorBody>('POST', '/ledger/customers', {
        body: { name: 'Cut', email: 'during-cut@example.com', currency: 'USD' },
      });
      expect(write.status).toBe(503);
      expect(errorOf(write.body).code).toBe('database_unavailable');
      expect((await t.rest('GET', '/healthz', { key: null })).status).toBe(200);

      await faults.restore();
      expect(
        await eventually(
          async () => (await t.rest('GET', '/readyz', { key: null })).status === 200,
        ),
      ).toBe(true);
      const read = await t.rest<Wire>('GET', `/ledger/customers/${before.id}`);
      expect(read.status).toBe(200);
      const after = await createCustomer(t, { email: 'after-cut@example.com' });
      const list = await t.rest<{ data: Wire[] }>('GET', '/ledger/customers?limit=10');
      expect(list.body.data.map((customer) => customer.id).sort()).toEqual(
        [before.id, after.id].sort(),
      );
    });
  },
);

describe.each(testDatabaseKinds().filter((kind) => kind === 'postgres'))(
  'a statement past LEDGER_DB_STATEMENT_TIMEOUT_MS (%s)',
  (kind) => {
    let t: TestLedger;
    let other: postgres.Sql;
    beforeAll(async () => {
      t = await startTestLedger(kind, {}, { LEDGER_DB_STATEMENT_TIMEOUT_MS: '500' });
      if (!t.database.url) throw new Error('a PostgreSQL test database has a url');
      other = postgres(t.database.url, { max: 1, onnotice: () => {} });
    });
    afterAll(async () => {
      await other?.end();
      await t?.close();
    });

    it('answers 503 database_unavailable, writes nothing, and the next request succeeds', async () => {
      const customer = await createCustomer(t, { email: 'locked@example.com' });
      // Another client holds the customer's row (as a long report or a stuck job would).
      const release = await holdOpen((hold) =>
        other.begin(async (sql) => {
          await sql`SELECT 1 FROM customers WHERE id = ${customer.id} FOR UPDATE`;
          await hold();
        }),
      );
      const credit = { amount: { amount: 500, currency: 'USD' }, reason: 'stuck' };
      const stuck = await t.rest<ErrorBody>('POST', `/ledger/customers/${customer.id}/credit`, {
        body: credit,
      });
      await release();
      expect(stuck.status).toBe(503);
      expect(expectEnvelopeFields(stuck)).toMatchObject({
        code: 'database_unavailable',
        message: 'The database did not answer in time; retry shortly',
      });
      expect(await balanceOf(t, customer.id)).toBe(0);
      const retried = await t.rest('POST', `/ledger/customers/${customer.id}/credit`, {
        body: credit,
      });
      expect(retried.status, retried.text).toBe(200);
      expect(await balanceOf(t, customer.id)).toBe(-500);
    });
  },
);
