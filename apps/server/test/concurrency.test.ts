import { testDatabaseKinds } from '@ledger/db/testing';
import type { BalanceTransaction, CustomerId } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { createCustomer, errorOf, scopeA, type Wire, type WireList } from './support.js';

/** Mixed, deterministic amounts in 1..9_973. */
function amountOf(i: number): number {
  return 1 + ((i * 7_919) % 9_973);
}

/**
 * Checks that the journal rows form exactly one chain from 0: every row's starting balance
 * (`endingBalance − amount`) is 0 or another row's `endingBalance`, each used exactly once.
 * Returns the chain's last ending balance. Balances may repeat when debits and credits mix, so
 * the check is on multisets: the starts must be exactly {0} ∪ endings minus the final ending.
 */
function assertOneChain(rows: BalanceTransaction[]): number {
  const endings = new Map<number, number>();
  const starts = new Map<number, number>();
  const bump = (map: Map<number, number>, value: number, by: number) =>
    map.set(value, (map.get(value) ?? 0) + by);
  for (const row of rows) {
    bump(endings, row.endingBalance.amount, 1);
    bump(starts, row.endingBalance.amount - row.amount.amount, 1);
  }
  // Endings not consumed as a start: exactly one, the chain's end.
  const available = new Map(endings);
  bump(available, 0, 1);
  for (const [start, n] of starts) {
    const left = (available.get(start) ?? 0) - n;
    expect(
      left,
      `starting balance ${start} used more often than it was produced`,
    ).toBeGreaterThanOrEqual(0);
    available.set(start, left);
  }
  const unused = [...available].flatMap(([value, n]) => Array<number>(n).fill(value));
  expect(unused).toHaveLength(1);
  return unused[0] as number;
}

async function journal(t: TestLedger, customerId: string): Promise<BalanceTransaction[]> {
  const page = await t.server.ledger.deps.store.listBalanceTransactions(
    scopeA,
    customerId as CustomerId,
    { limit: 10_000, offset: 0 },
  );
  expect(page.total).toBe(page.rows.length);
  return page.rows;
}

// PGlite runs one transaction at a time, so races can only happen on PostgreSQL.
describe.runIf(testDatabaseKinds().includes('postgres'))('concurrency on postgres', () => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger('postgres');
  });
  afterAll(() => t.close());

  it('200 concurrent REST credits lose no update and leave one unbroken journal chain', async () => {
    const customer = await createCustomer(t, { email: 'credits@race.example' });
    const amounts = Array.from({ length: 200 }, (_, i) => amountOf(i));
    const responses = await Promise.all(
      amounts.map((amount, i) =>
        t.rest('POST', `/ledger/customers/${customer.id}/credit`, {
          body: { amount: { amount, currency: 'USD' }, reason: `credit ${i}` },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(amounts.map(() => 200));
    const expected = -amounts.reduce((a, b) => a + b, 0);

    const read = await t.rest<{ balance: { amount: number } }>(
      'GET',
      `/ledger/customers/${customer.id}`,
    );
    expect(read.body.balance.amount).toBe(expected);

    const rows = await journal(t, customer.id);
    expect(rows).toHaveLength(200);
    expect(rows.every((row) => row.type === 'credit')).toBe(true);
    expect(rows.reduce((sum, row) => sum + row.amount.amount, 0)).toBe(expected);
    // Credits only: every balance on the way is distinct, so the chain is a unique walk.
    expect(new Set(rows.map((row) => row.endingBalance.amount)).size).toBe(200);
    expect(assertOneChain(rows)).toBe(expected);
    // Newest first: ids are made under the row lock, so the newest row holds the final balance.
    expect(rows[0]?.endingBalance.amount).toBe(expected);
    // Every response reported the ending balance of its own journal row.
    const endings = new Set(rows.map((row) => row.endingBalance.amount));
    for (const res of responses) {
      const body = res.body as { balance: { amount: number } };
      expect(endings.has(body.balance.amount)).toBe(true);
    }
  });

  it('concurrent credits (REST) and signed adjustments (tRPC) mix without losing updates', async () => {
    const customer = await createCustomer(t, { email: 'mixed@race.example', currency: 'EUR' });
    const client = t.client();
    const credits = Array.from({ length: 60 }, (_, i) => amountOf(i));
    // Positive adjustments add debt, negative ones add credit.
    const adjustments = Array.from({ length: 140 }, (_, i) =>
      i % 3 === 0 ? -amountOf(i + 1_000) : amountOf(i + 2_000),
    );
    const work: Array<Promise<number>> = [];
    for (let i = 0; i < 200; i++) {
      if (i % 10 < 3 && credits.length > 0) {
        const amount = credits.pop() as number;
        work.push(
          t
            .rest('POST', `/ledger/customers/${customer.id}/credit`, {
              body: { amount: { amount, currency: 'eur' }, reason: 'mixed credit' },
            })
            .then((res) => {
              expect(res.status).toBe(200);
              return -amount;
            }),
        );
      } else {
        const amount = adjustments.pop() as number;
        work.push(
          client.customer.adjustBalance
            .mutate({
              customerId: customer.id as CustomerId,
              amount: { amount, currency: 'EUR' },
              description: 'mixed adjustment',
            })
            .then((result) => {
              expect(result.transaction.amount.amount).toBe(amount);
              return amount;
            }),
        );
      }
    }
    expect(credits.length + adjustments.length).toBe(0);
    const posted = await Promise.all(work);
    const expected = posted.reduce((a, b) => a + b, 0);

    const read = await client.customer.get.query({ id: customer.id as CustomerId });
    expect(read.balance).toEqual({ amount: expected, currency: 'EUR' });
    const rows = await journal(t, customer.id);
    expect(rows).toHaveLength(200);
    expect(rows.filter((row) => row.type === 'credit')).toHaveLength(60);
    expect(rows.filter((row) => row.type === 'adjustment')).toHaveLength(140);
    expect(rows.reduce((sum, row) => sum + row.amount.amount, 0)).toBe(expected);
    expect(assertOneChain(rows)).toBe(expected);
    expect(rows[0]?.endingBalance.amount).toBe(expected);
  });

  it('ten concurrent identical requests with one Idempotency-Key run once', async () => {
    const body = { name: 'Once', email: 'once@race.example', currency: 'USD' };
    const headers = { 'Idempotency-Key': 'race-once' };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.rest<Wire>('POST', '/ledger/customers', { body, headers }),
      ),
    );
    const original = responses.filter(
      (r) => r.status === 201 && r.headers.get('idempotent-replayed') === null,
    );
    expect(original).toHaveLength(1);
    for (const res of responses) {
      if (res === original[0]) continue;
      if (res.status === 201) {
        expect(res.headers.get('idempotent-replayed')).toBe('true');
        expect(res.text).toBe(original[0]?.text);
      } else {
        expect(res.status).toBe(409);
        expect(errorOf(res.body).code).toBe('idempotency_key_in_use');
      }
    }
    const list = await t.rest<{ pagination: { total: number } }>(
      'GET',
      '/ledger/customers?email=once@race.example',
    );
    expect(list.body.pagination.total).toBe(1);
  });

  it('two concurrent creates with one email: exactly one 201 and one 409, ten times over', async () => {
    for (let round = 0; round < 10; round++) {
      const email = `twin${round}@race.example`;
      const [first, second] = await Promise.all([
        t.rest<Wire>('POST', '/ledger/customers', {
          body: { name: 'Twin One', email, currency: 'USD' },
        }),
        t.rest<Wire>('POST', '/ledger/customers', {
          // Same address in another case: stored lower-cased, so it is the same email.
          body: { name: 'Twin Two', email: email.toUpperCase(), currency: 'USD' },
        }),
      ]);
      const statuses = [first.status, second.status].sort();
      expect(statuses, `round ${round}`).toEqual([201, 409]);
      const loser = errorOf((first.status === 409 ? first : second).body);
      expect(loser).toMatchObject({
        code: 'duplicate_customer_email',
        type: 'conflict',
        param: 'email',
      });
      const winner = (first.status === 201 ? first : second).body;
      const list = await t.rest<WireList<Wire>>(
        'GET',
        `/ledger/customers?email=${encodeURIComponent(email)}`,
      );
      expect(list.body.pagination.total).toBe(1);
      expect(list.body.data[0]?.id).toBe(winner.id);
    }
  });

  it('concurrent email updates to one address: one wins, the other gets 409 and keeps its email', async () => {
    for (let round = 0; round < 5; round++) {
      const target = `wanted${round}@race.example`;
      const x = await createCustomer(t, { email: `x${round}@race.example` });
      const y = await createCustomer(t, { email: `y${round}@race.example` });
      const [resX, resY] = await Promise.all([
        t.rest<Wire>('PUT', `/ledger/customers/${x.id}`, { body: { email: target } }),
        t.rest<Wire>('PUT', `/ledger/customers/${y.id}`, { body: { email: target } }),
      ]);
      expect([resX.status, resY.status].sort(), `round ${round}`).toEqual([200, 409]);
      const [winner, loser, loserRes] = resX.status === 200 ? [x, y, resY] : [y, x, resX];
      expect(errorOf(loserRes.body).code).toBe('duplicate_customer_email');

      const byEmail = await t.rest<Wire>('GET', `/ledger/customers/email/${target}`);
      expect(byEmail.body.id).toBe(winner.id);
      const loserNow = await t.rest<Wire>('GET', `/ledger/customers/${loser.id}`);
      expect(loserNow.body.email).toBe(loser.email);
      // The refused update rolled back: the loser has only its creation event.
      const events = await t.server.ledger.deps.store.listEvents(scopeA, {
        customerId: loser.id as CustomerId,
        limit: 100,
      });
      expect(events.map((e) => e.type)).toEqual(['customer.created']);
    }
  });
});
