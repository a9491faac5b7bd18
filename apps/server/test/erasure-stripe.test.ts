import { type DatabaseKind, testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeStripe, startFakeStripe } from './fake-stripe.js';
import { startTestLedger, type TestLedger } from './harness.js';
import { createCustomer, rowsOf, type WireCustomer } from './support.js';

/**
 * Erasure at the processor: the real `stripe` SDK against the fake Stripe server. The Stripe
 * customer goes with the erasure (Stripe holds the name, email and cards too), and a Stripe
 * outage leaves it for the next erase of the same customer to delete.
 */
describe.each(testDatabaseKinds())('erasure at Stripe on %s', (kind: DatabaseKind) => {
  let t: TestLedger;
  let fake: FakeStripe;

  beforeAll(async () => {
    fake = await startFakeStripe();
    t = await startTestLedger(
      kind,
      {},
      { STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: fake.url, STRIPE_TIMEOUT_MS: '2000' },
    );
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /** A customer with a card, so Stripe has a customer for it; and that Stripe customer's id. */
  async function customerAtStripe(tag: string): Promise<{ id: string; stripeId: string }> {
    const c = await createCustomer<WireCustomer>(t, {
      name: `Erasable ${tag}`,
      email: `erasable.${tag}@stripe-erasure.example`,
    });
    const card = await t.rest('POST', `/ledger/customers/${c.id}/payment-methods`, {
      body: { token: 'tok_visa', make_default: true },
    });
    expect(card.status, card.text).toBe(201);
    const [stripeCustomer] = fake.customersFor(c.id);
    if (!stripeCustomer) throw new Error('attaching a card creates the Stripe customer');
    return { id: c.id, stripeId: stripeCustomer.id };
  }

  /** The processor customers Ledger still knows for `id`. */
  async function known(id: string): Promise<unknown[]> {
    return rowsOf(
      await t.database.db.execute(
        `SELECT external_id FROM processor_customers WHERE customer_id = '${id}'`,
      ),
    );
  }

  function deletes(stripeId: string) {
    return fake.requests.filter(
      (r) => r.method === 'DELETE' && r.path === `/v1/customers/${stripeId}`,
    );
  }

  it('deletes the Stripe customer and forgets it', async () => {
    const c = await customerAtStripe('gone');
    const erased = await t.rest<WireCustomer>('POST', `/ledger/customers/${c.id}/erase`);
    expect(erased.status, erased.text).toBe(200);
    expect(deletes(c.stripeId).map((r) => r.status)).toEqual([200]);
    expect(fake.customersFor(c.id)).toEqual([]);
    expect(await known(c.id)).toEqual([]);
  });

  it('keeps a Stripe customer it could not delete and deletes it on the next erase', async () => {
    const c = await customerAtStripe('outage');
    // Every Stripe call of this erasure fails (the card detach, the customer deletion and the
    // SDK's retries of both); more than it makes, ended below.
    fake.fail(50, 503);
    const first = await t.rest<WireCustomer>('POST', `/ledger/customers/${c.id}/erase`);
    expect(first.status, first.text).toBe(200);
    expect(first.body.name).toBe('Erased customer');
    fake.fail(0);
    expect(fake.customersFor(c.id).map((s) => s.id)).toEqual([c.stripeId]);
    expect(await known(c.id)).toEqual([{ external_id: c.stripeId }]);

    const again = await t.rest<WireCustomer>('POST', `/ledger/customers/${c.id}/erase`);
    expect(again.status, again.text).toBe(200);
    expect(again.body.erased_at).toBe(first.body.erased_at);
    expect(deletes(c.stripeId).at(-1)?.status).toBe(200);
    expect(fake.customersFor(c.id)).toEqual([]);
    expect(await known(c.id)).toEqual([]);
  });
});
