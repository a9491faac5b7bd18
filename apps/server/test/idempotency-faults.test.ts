import { type DatabaseKind, testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeStripe, startFakeStripe } from './fake-stripe.js';
import { type RestResponse, startTestLedger, type TestLedger } from './harness.js';
import {
  balanceOf,
  createCustomer,
  createInvoice,
  firstCount,
  getRetrying,
  invoicesOf,
  monthlyPlan,
  subscribe,
  type Wire,
  type WireInvoice,
  type WireList,
} from './support.js';

/**
 * A keyed write that fails after its change committed (the fault injected through the
 * `afterCommit` test port, between a transaction's commit and the answer) is applied once: its
 * retry with the same key resumes on the steps the first attempt committed and answers, and a
 * later retry replays that answer. On PostgreSQL the fault is real: the database is cut off at
 * that moment, so the request's own remaining writes (its record) fail too.
 */

const REPLAYED = 'idempotent-replayed';

/** How a fault is made at the armed commit: the request fails, or its database goes away. */
type Fault = 'throw' | 'cut';

const cases = testDatabaseKinds().flatMap(
  (kind): Array<[DatabaseKind, Fault]> =>
    kind === 'postgres'
      ? [
          [kind, 'throw'],
          [kind, 'cut'],
        ]
      : [[kind, 'throw']],
);

describe.each(cases)('a keyed write failing after its commit on %s (%s)', (kind, fault) => {
  let t: TestLedger;
  let fake: FakeStripe;
  let planId: string;
  let seq = 0;
  /** The commit (1-based, counted from arming) after which the fault strikes; 0: none. */
  let armedAt = 0;
  let commits = 0;
  let struck = false;
  /** Settles once a cut database is back. */
  let restored: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    fake = await startFakeStripe();
    t = await startTestLedger(
      kind,
      {
        faults: {
          afterCommit: async () => {
            commits++;
            if (armedAt === 0 || commits !== armedAt) return;
            armedAt = 0;
            struck = true;
            if (fault === 'throw') throw new Error('fault injected after commit');
            // The request goes on into a database that is gone: whatever it writes next (its
            // record, its next step) fails. Back shortly, so the retries can land.
            await t.database.faults?.cut();
            restored = new Promise((resolve) => {
              setTimeout(async () => {
                await t.database.faults?.restore();
                // Until the pool has noticed every dropped connection, one may fail once more.
                await new Promise((settled) => setTimeout(settled, 200));
                resolve();
              }, 300);
            });
          },
        },
      },
      { STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: fake.url, STRIPE_TIMEOUT_MS: '2000' },
    );
    planId = (await monthlyPlan(t, 'faulty', 2_500)).id;
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /** Strikes after the `n`-th commit of the next keyed request. */
  function arm(n: number): void {
    commits = 0;
    struck = false;
    armedAt = n;
  }

  /**
   * Sends the keyed request until it is answered with something other than a failure of the
   * fault (500/503) or the key still being held (`idempotency_key_in_use`, while the first
   * attempt's record is written in the background): the retry a client makes.
   */
  async function untilAnswered<T>(send: () => Promise<RestResponse<T>>): Promise<{
    first: RestResponse<T>;
    last: RestResponse<T>;
  }> {
    const first = await send();
    let last = first;
    for (let attempt = 0; attempt < 200; attempt++) {
      const busy =
        last.status >= 500 || (last.status === 409 && last.text.includes('idempotency_key_in_use'));
      if (!busy) {
        await restored;
        return { first, last };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await send();
    }
    throw new Error(`still failing: ${last.status} ${last.text}`);
  }

  async function customer(withCard: boolean): Promise<string> {
    seq++;
    const { id } = await createCustomer(t, { email: `fault-${kind}-${fault}-${seq}@example.com` });
    if (withCard) {
      const res = await t.rest('POST', `/ledger/customers/${id}/payment-methods`, {
        body: { token: 'tok_visa' },
      });
      expect(res.status, res.text).toBe(201);
    }
    return id;
  }

  it('posts one credit: the retry answers with the committed journal row, then replays', async () => {
    const id = await customer(false);
    const send = () =>
      t.rest<Wire & { transaction: Wire }>('POST', `/ledger/customers/${id}/credit`, {
        body: { amount: { amount: 1_000, currency: 'USD' }, reason: 'goodwill' },
        headers: { 'Idempotency-Key': `credit-${id}` },
      });
    arm(1);
    const { first, last } = await untilAnswered(send);
    expect(struck).toBe(true);
    if (fault === 'throw') expect(first.status).toBe(500);
    expect(last.status, last.text).toBe(200);
    const journal = await getRetrying<
      WireList<Wire & { type: string; amount: { amount: number } }>
    >(t, `/ledger/customers/${id}/balance-transactions`);
    const credits = journal.body.data.filter((row) => row.type === 'credit');
    expect(credits).toHaveLength(1);
    expect(last.body.transaction.id).toBe(credits[0]?.id);
    expect(await balanceOf(t, id)).toBe(-1_000);
    const { last: again } = await untilAnswered(send);
    expect(again.headers.get(REPLAYED)).toBe('true');
    expect(again.text).toBe(last.text);
    expect(await balanceOf(t, id)).toBe(-1_000);
  });

  it('records one entitlement check: the retry answers with the recorded check, then replays', async () => {
    const id = await customer(false);
    await subscribe(t, id, planId);
    const send = () =>
      t.rest<Wire & { allowed: boolean }>('POST', '/ledger/entitlements/check', {
        body: { customer_id: id, feature_key: 'api_calls' },
        headers: { 'Idempotency-Key': `check-${id}` },
      });
    arm(1);
    const { last } = await untilAnswered(send);
    expect(struck).toBe(true);
    expect(last.status, last.text).toBe(200);
    const checks = async () => {
      expect(id).toMatch(/^cus_[0-9a-z]{26}$/);
      return firstCount(
        await t.server.ledger.database.db.execute(
          `select count(*) from entitlement_checks where customer_id = '${id}'`,
        ),
      );
    };
    expect(await checks()).toBe(1);
    const { last: again } = await untilAnswered(send);
    expect(again.headers.get(REPLAYED)).toBe('true');
    expect(again.text).toBe(last.text);
    expect(await checks()).toBe(1);
  });

  it('creates one invoice for the period', async () => {
    const id = await customer(false);
    const sub = await subscribe(t, id, planId);
    const before = (await invoicesOf(t, id)).length;
    const send = () =>
      t.rest<WireInvoice>('POST', '/ledger/invoices', {
        body: { subscription_id: sub.id },
        headers: { 'Idempotency-Key': `invoice-${sub.id}` },
      });
    arm(1);
    const { last } = await untilAnswered(send);
    expect(struck).toBe(true);
    expect(last.status, last.text).toBe(201);
    const after = await invoicesOf(t, id);
    expect(after).toHaveLength(before + 1);
    expect(after.map((invoice) => invoice.id)).toContain(last.body.id);
  });

  it('charges once, whichever commit of the finalize the fault follows', async () => {
    const chargesBefore = fake.counters.charges;
    let rounds = 0;
    // Strike after the 1st, 2nd, … commit until the finalize commits fewer times than that.
    for (let n = 1; ; n++) {
      const id = await customer(true);
      const sub = await subscribe(t, id, planId);
      const draft = await createInvoice(t, sub.id);
      const send = () =>
        t.rest<WireInvoice>('POST', `/ledger/invoices/${draft.id}/finalize`, {
          headers: { 'Idempotency-Key': `finalize-${draft.id}` },
        });
      arm(n);
      const { last } = await untilAnswered(send);
      expect(last.status, last.text).toBe(200);
      expect(last.body).toMatchObject({ id: draft.id, status: 'paid' });
      const intents = fake.intents().filter((i) => i.metadata.ledger_invoice_id === draft.id);
      expect(intents.filter((i) => i.status === 'succeeded')).toHaveLength(1);
      const paid = await getRetrying<{ data: Array<{ status: string }> }>(
        t,
        `/ledger/payments?invoice_id=${draft.id}`,
      );
      expect(paid.status, paid.text).toBe(200);
      expect(paid.body.data.map((payment) => payment.status)).toEqual(['succeeded']);
      expect(await balanceOf(t, id)).toBe(0);
      if (!struck) break;
      rounds++;
      expect(n).toBeLessThan(10);
    }
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(fake.counters.charges - chargesBefore).toBe(rounds + 1);
  });

  it('stores one card, whichever commit of the add the fault follows', async () => {
    for (let n = 1; ; n++) {
      const id = await customer(false);
      const send = () =>
        t.rest<Wire>('POST', `/ledger/customers/${id}/payment-methods`, {
          body: { token: 'tok_mastercard' },
          headers: { 'Idempotency-Key': `card-${id}` },
        });
      arm(n);
      const { last } = await untilAnswered(send);
      expect(last.status, last.text).toBe(201);
      const methods = await getRetrying<WireList<Wire>>(
        t,
        `/ledger/customers/${id}/payment-methods`,
      );
      expect(methods.body.data.map((method) => method.id)).toEqual([last.body.id]);
      expect(fake.customersFor(id)).toHaveLength(1);
      if (!struck) break;
      expect(n).toBeLessThan(10);
    }
  });

  it('holds through the tRPC door: one credit, the retry answers with it', async () => {
    const id = await customer(false);
    const send = () =>
      t.rest<{ result: { data: { json: { transaction: { id: string } } } } }>(
        'POST',
        '/trpc/customer.addCredit',
        {
          rawBody: JSON.stringify({
            json: { customerId: id, amount: { amount: 700, currency: 'USD' }, reason: 'goodwill' },
          }),
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `trpc-${id}` },
        },
      );
    arm(1);
    const { last } = await untilAnswered(send);
    expect(struck).toBe(true);
    expect(last.status, last.text).toBe(200);
    expect(await balanceOf(t, id)).toBe(-700);
    const { last: again } = await untilAnswered(send);
    expect(again.headers.get(REPLAYED)).toBe('true');
    expect(again.text).toBe(last.text);
  });
});
