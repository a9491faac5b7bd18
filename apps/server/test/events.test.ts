import { serviceContext } from '@ledger/api';
import { testDatabaseKinds } from '@ledger/db/testing';
import {
  type CustomerId,
  createCustomer,
  createEventDispatcher,
  type LedgerEvent,
  retryDelayMs,
  type Store,
  systemClock,
} from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { eventsOf, manualClock, scopeA, type Wire } from './support.js';

const EVENT_ID = /^evt_[0-9a-z]{26}$/;

async function createViaRest(t: TestLedger, email: string, extra: object = {}): Promise<Wire> {
  const res = await t.rest<Wire>('POST', '/ledger/customers', {
    body: { name: email.split('@')[0], email, currency: 'USD', ...extra },
  });
  expect(res.status).toBe(201);
  return res.body;
}

/** The customer as the tRPC API returns it, in JSON form (what `data.object` holds). */
async function apiObject(t: TestLedger, id: string): Promise<unknown> {
  const customer = await t.client().customer.get.query({ id: id as CustomerId });
  return JSON.parse(JSON.stringify(customer));
}

/**
 * Waits until nothing is due. The server's own worker may be mid-delivery when the first drain
 * starts its claim (a poll tick); the second drain awaits that run too.
 */
async function settle(t: TestLedger): Promise<void> {
  await t.server.ledger.events.drain();
  await t.server.ledger.events.drain();
}

describe.each(testDatabaseKinds())('events written with each change on %s', (kind) => {
  let t: TestLedger;
  const subscribed = new Set<string>();
  beforeAll(async () => {
    t = await startTestLedger(kind, {
      guards: {
        hasActiveSubscriptions: async (_tx, _scope, id) => subscribed.has(id),
        hasBillingHistory: async () => false,
      },
    });
  });
  afterAll(() => t.close());

  it('writes exactly one event per change, with the documented shape and per-customer sequence', async () => {
    const created = await createViaRest(t, 'shape@events.example', { metadata: { plan: 'a' } });
    const id = created.id;
    let events = await eventsOf(t, id);
    expect(events).toHaveLength(1);
    const [first] = events;
    expect(first).toEqual({
      id: expect.stringMatching(EVENT_ID),
      type: 'customer.created',
      tenantId: 'tenant-a',
      appId: 'app',
      customerId: id,
      sequence: 1,
      createdAt: expect.any(Date),
      data: { object: await apiObject(t, id) },
    });
    expect(first).not.toHaveProperty('previousAttributes');

    const renamed = await t.rest('PUT', `/ledger/customers/${id}`, {
      body: { name: 'Shape Shifter', metadata: { tier: 'gold' }, tax_exempt: 'none' },
    });
    expect(renamed.status).toBe(200);
    events = await eventsOf(t, id);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({
      type: 'customer.updated',
      customerId: id,
      sequence: 2,
      data: { object: await apiObject(t, id) },
      // Only the changed fields, with their old values (tax_exempt was already "none").
      previousAttributes: { name: 'shape', metadata: { plan: 'a' } },
    });
    expect(Object.keys(events[1]?.previousAttributes ?? {}).sort()).toEqual(['metadata', 'name']);

    const unchanged = await t.rest<Wire>('PUT', `/ledger/customers/${id}`, {
      body: { name: 'Shape Shifter', metadata: { tier: 'gold' }, billing_address: null },
    });
    expect(unchanged.status).toBe(200);
    expect(unchanged.body.name).toBe('Shape Shifter');
    expect(await eventsOf(t, id)).toHaveLength(2);

    const credit = await t.rest('POST', `/ledger/customers/${id}/credit`, {
      body: { amount: { amount: 500, currency: 'USD' }, reason: 'goodwill' },
    });
    expect(credit.status).toBe(200);
    events = await eventsOf(t, id);
    expect(events.map((e) => e.type)).toEqual([
      'customer.created',
      'customer.updated',
      'customer.balance.updated',
    ]);
    expect(events[2]).toMatchObject({
      sequence: 3,
      data: { object: { id, balance: { amount: -500, currency: 'USD' } } },
      previousAttributes: { balance: { amount: 0, currency: 'USD' } },
    });
    expect(events[2]?.data.object).toEqual(await apiObject(t, id));
    expect(Object.keys(events[2]?.previousAttributes ?? {})).toEqual(['balance']);

    const deleted = await t.rest('DELETE', `/ledger/customers/${id}`);
    expect(deleted.status).toBe(204);
    events = await eventsOf(t, id);
    expect(events).toHaveLength(4);
    expect(events[3]).toMatchObject({
      type: 'customer.deleted',
      sequence: 4,
      data: { object: { id, status: 'deleted', deletedAt: expect.any(String) } },
      previousAttributes: { status: 'active', deletedAt: null },
    });
    expect(events[3]?.data.object).toEqual(await apiObject(t, id));
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
  });

  it('keeps sequences per customer, independent of other customers', async () => {
    const a = await createViaRest(t, 'seq-a@events.example');
    const b = await createViaRest(t, 'seq-b@events.example');
    for (let i = 0; i < 3; i++) {
      await t.rest('PUT', `/ledger/customers/${a.id}`, { body: { name: `A ${i}` } });
      await t.rest('POST', `/ledger/customers/${b.id}/credit`, {
        body: { amount: { amount: 100 + i, currency: 'USD' }, reason: 'seq' },
      });
    }
    expect((await eventsOf(t, a.id)).map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect((await eventsOf(t, b.id)).map((e) => [e.sequence, e.type])).toEqual([
      [1, 'customer.created'],
      [2, 'customer.balance.updated'],
      [3, 'customer.balance.updated'],
      [4, 'customer.balance.updated'],
    ]);
  });

  it('leaves no event for refused changes (duplicate email, currency_locked, has_active_subscriptions)', async () => {
    const taken = await createViaRest(t, 'taken@events.example');
    const before = await t.server.ledger.deps.store.listEvents(scopeA, { limit: 1000 });

    const duplicate = await t.rest('POST', '/ledger/customers', {
      body: { name: 'Copy', email: 'TAKEN@events.example', currency: 'USD' },
    });
    expect(duplicate.status).toBe(409);

    await t.rest('POST', `/ledger/customers/${taken.id}/credit`, {
      body: { amount: { amount: 100, currency: 'USD' }, reason: 'lock the currency' },
    });
    const locked = await t.rest('PUT', `/ledger/customers/${taken.id}`, {
      body: { name: 'Renamed Too', currency: 'EUR' },
    });
    expect(locked.status).toBe(400);
    expect((locked.body as { error: { code: string } }).error.code).toBe('currency_locked');

    subscribed.add(taken.id);
    const refused = await t.rest('DELETE', `/ledger/customers/${taken.id}`);
    expect(refused.status).toBe(400);
    expect((refused.body as { error: { code: string } }).error.code).toBe(
      'has_active_subscriptions',
    );

    const after = await t.server.ledger.deps.store.listEvents(scopeA, { limit: 1000 });
    // The only new event is the credit's; none of the refused changes left one.
    expect(after.map((e) => e.id).slice(0, before.length)).toEqual(before.map((e) => e.id));
    expect(after.slice(before.length).map((e) => [e.customerId, e.type])).toEqual([
      [taken.id, 'customer.balance.updated'],
    ]);
    const customer = await t.rest<Wire>('GET', `/ledger/customers/${taken.id}`);
    expect(customer.body).toMatchObject({ name: 'taken', currency: 'USD', status: 'active' });
  });

  it('rolls an already written event back with its change', async () => {
    const { store } = t.server.ledger.deps;
    let inside: LedgerEvent[] = [];
    // A store whose transactions fail after the service's work, events included, is done.
    const failing: Store = {
      ...store,
      transaction: (fn) =>
        store.transaction(async (tx) => {
          await fn(tx);
          inside = await tx.listEvents(scopeA, { limit: 1000 });
          throw new Error('the commit failed');
        }),
    };
    const ctx = { ...serviceContext(t.server.ledger.deps, scopeA), store: failing };
    await expect(
      createCustomer(ctx, { name: 'Ghost', email: 'ghost@events.example', currency: 'USD' }),
    ).rejects.toThrow('the commit failed');
    // Inside the transaction the event was there…
    const ghostEvent = inside.filter(
      (e) => (e.data.object as { email?: string }).email === 'ghost@events.example',
    );
    expect(ghostEvent.map((e) => e.type)).toEqual(['customer.created']);
    // …and the rollback took it away together with the customer.
    const ghostId = ghostEvent[0]?.customerId as string;
    expect(await eventsOf(t, ghostId)).toEqual([]);
    expect(await store.getCustomer(scopeA, ghostId as CustomerId)).toBeNull();
    const all = await store.listEvents(scopeA, { limit: 1000 });
    expect(all.some((e) => e.id === ghostEvent[0]?.id)).toBe(false);
  });
});

describe.each(testDatabaseKinds())('event handlers on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterAll(() => t.close());

  it('runs a handler after commit: it can read the committed customer back', async () => {
    const { store } = t.server.ledger.deps;
    const seen: Array<{ event: LedgerEvent; name: string | null }> = [];
    const off = t.server.ledger.events.subscribe('customer.created', async (event) => {
      const customer = await store.getCustomer(scopeA, event.customerId as CustomerId);
      seen.push({ event, name: customer?.name ?? null });
    });
    try {
      const created = await createViaRest(t, 'committed@events.example');
      await settle(t);
      const mine = seen.filter((s) => s.event.customerId === created.id);
      expect(mine).toHaveLength(1);
      expect(mine[0]?.name).toBe('committed');
      expect(mine[0]?.event.type).toBe('customer.created');
    } finally {
      off();
    }
  });

  it('delivers every type to "*" and only its type to a typed handler, in order', async () => {
    const all: LedgerEvent[] = [];
    const updates: LedgerEvent[] = [];
    const offAll = t.server.ledger.events.subscribe('*', (event) => {
      all.push(event);
    });
    const offUpdated = t.server.ledger.events.subscribe('customer.updated', (event) => {
      updates.push(event);
    });
    try {
      const c = await createViaRest(t, 'star@events.example');
      await t.rest('PUT', `/ledger/customers/${c.id}`, { body: { name: 'Star' } });
      await t.rest('POST', `/ledger/customers/${c.id}/credit`, {
        body: { amount: { amount: 250, currency: 'USD' }, reason: 'star' },
      });
      await t.rest('DELETE', `/ledger/customers/${c.id}`);
      await settle(t);
      const mine = all.filter((e) => e.customerId === c.id);
      expect(mine.map((e) => [e.sequence, e.type])).toEqual([
        [1, 'customer.created'],
        [2, 'customer.updated'],
        [3, 'customer.balance.updated'],
        [4, 'customer.deleted'],
      ]);
      expect(mine.map((e) => e.id)).toEqual((await eventsOf(t, c.id)).map((e) => e.id));
      expect(updates.filter((e) => e.customerId === c.id).map((e) => e.sequence)).toEqual([2]);
    } finally {
      offAll();
      offUpdated();
    }
  });

  it('keeps per-customer order for many interleaved events on three customers', async () => {
    const customers = await Promise.all(
      ['one', 'two', 'three'].map((n) => createViaRest(t, `order-${n}@events.example`)),
    );
    await settle(t); // their `customer.created` events are out of the way
    const ids = new Set(customers.map((c) => c.id));
    const delivered = new Map<string, number[]>(customers.map((c) => [c.id, []]));
    const off = t.server.ledger.events.subscribe('*', async (event) => {
      if (!event.customerId || !ids.has(event.customerId)) return;
      // Yield, so a worker that delivered out of order would have the chance to.
      await new Promise((resolve) => setImmediate(resolve));
      delivered.get(event.customerId)?.push(event.sequence);
    });
    try {
      for (let round = 0; round < 10; round++) {
        await Promise.all(
          customers.map((c, i) =>
            round % 2 === i % 2
              ? t.rest('PUT', `/ledger/customers/${c.id}`, { body: { name: `${i}-${round}` } })
              : t.rest('POST', `/ledger/customers/${c.id}/credit`, {
                  body: { amount: { amount: round + 1, currency: 'USD' }, reason: 'order' },
                }),
          ),
        );
      }
      await settle(t);
      // Sequence 1 (created) was delivered before the handler subscribed.
      const expected = Array.from({ length: 10 }, (_, i) => i + 2);
      for (const c of customers) {
        expect(delivered.get(c.id), c.id).toEqual(expected);
        expect((await eventsOf(t, c.id)).map((e) => e.sequence)).toEqual([1, ...expected]);
      }
    } finally {
      off();
    }
  });
});

describe.each(testDatabaseKinds())('failing handlers on %s', (kind) => {
  const time = manualClock('2030-01-01T00:00:00.000Z');
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock });
  });
  afterAll(() => t.close());

  it('never fails the request, and retries with 1 s, 2 s, 4 s backoff until it succeeds', async () => {
    expect([1, 2, 3].map(retryDelayMs)).toEqual([1000, 2000, 4000]);
    const attempts: number[] = [];
    const off = t.server.ledger.events.subscribe('customer.created', (event) => {
      if ((event.data.object as { email?: string }).email !== 'flaky@events.example') return;
      attempts.push(time.now.getTime());
      if (attempts.length <= 3) throw new Error(`handler down (attempt ${attempts.length})`);
    });
    try {
      const res = await t.rest<Wire>('POST', '/ledger/customers', {
        body: { name: 'Flaky', email: 'flaky@events.example', currency: 'USD' },
      });
      expect(res.status).toBe(201);
      await settle(t);
      expect(attempts).toHaveLength(1);
      const [event] = await eventsOf(t, res.body.id);
      // The server logs the failure with the event, and the error sanitised.
      expect(t.logLines()).toContainEqual(
        expect.objectContaining({
          level: 'error',
          msg: 'event handler failed',
          event_id: event?.id,
          event_type: 'customer.created',
          err: expect.objectContaining({ message: 'handler down (attempt 1)' }),
        }),
      );

      // Not due yet: nothing happens, however often we look.
      await settle(t);
      time.advance(retryDelayMs(1) - 1);
      await settle(t);
      expect(attempts).toHaveLength(1);
      time.advance(1);
      await settle(t);
      expect(attempts).toHaveLength(2);

      time.advance(retryDelayMs(2) - 1);
      await settle(t);
      expect(attempts).toHaveLength(2);
      time.advance(1);
      await settle(t);
      expect(attempts).toHaveLength(3);

      time.advance(retryDelayMs(3));
      await settle(t);
      expect(attempts).toHaveLength(4); // succeeded

      time.advance(60 * 60_000);
      await settle(t);
      expect(attempts).toHaveLength(4); // delivered: never again
      const gaps = attempts.slice(1).map((at, i) => at - (attempts[i] as number));
      expect(gaps).toEqual([1000, 2000, 4000]);
    } finally {
      off();
    }
  });

  it('holds back a failing customer’s later events while other customers’ events flow', async () => {
    const a = await createViaRest(t, 'blocked@events.example');
    const b = await createViaRest(t, 'flowing@events.example');
    await settle(t);
    let aDown = true;
    const delivered: Array<[string, number]> = [];
    const attemptsA: number[] = [];
    const off = t.server.ledger.events.subscribe('*', (event) => {
      if (event.customerId === a.id) {
        attemptsA.push(event.sequence);
        if (aDown) throw new Error('handler down for A');
        delivered.push(['a', event.sequence]);
      } else if (event.customerId === b.id) {
        delivered.push(['b', event.sequence]);
      }
    });
    try {
      expect(
        (await t.rest('PUT', `/ledger/customers/${a.id}`, { body: { name: 'A2' } })).status,
      ).toBe(200);
      expect(
        (await t.rest('PUT', `/ledger/customers/${a.id}`, { body: { name: 'A3' } })).status,
      ).toBe(200);
      await t.rest('PUT', `/ledger/customers/${b.id}`, { body: { name: 'B2' } });
      await t.rest('POST', `/ledger/customers/${b.id}/credit`, {
        body: { amount: { amount: 1, currency: 'USD' }, reason: 'b3' },
      });
      await settle(t);
      expect(delivered).toEqual([
        ['b', 2],
        ['b', 3],
      ]);
      expect(attemptsA).toEqual([2]); // A's third event waits behind its failing second

      time.advance(retryDelayMs(1));
      await settle(t);
      expect(attemptsA).toEqual([2, 2]);
      await t.rest('PUT', `/ledger/customers/${b.id}`, { body: { name: 'B4' } });
      await settle(t);
      expect(delivered.filter(([who]) => who === 'b').map(([, seq]) => seq)).toEqual([2, 3, 4]);
      expect(attemptsA).toEqual([2, 2]);

      aDown = false;
      time.advance(retryDelayMs(2));
      await settle(t);
      expect(attemptsA).toEqual([2, 2, 2, 3]);
      expect(delivered.filter(([who]) => who === 'a')).toEqual([
        ['a', 2],
        ['a', 3],
      ]);
    } finally {
      off();
    }
  });
});

// Several workers claim with FOR UPDATE SKIP LOCKED; PGlite has one connection, so only
// PostgreSQL can run two claims at the same moment.
describe.runIf(testDatabaseKinds().includes('postgres'))('two event workers on postgres', () => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger('postgres');
    // Only the two workers below deliver in this file's database; the stopped server's own
    // handler makes the events it writes owed to in-process handlers.
    await t.server.ledger.events.stop();
    t.server.ledger.events.subscribe('*', () => {});
  });
  afterAll(() => t.close());

  it('deliver every event exactly once in total, in order per customer', async () => {
    const { store } = t.server.ledger.deps;
    const customers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => createViaRest(t, `worker${i}@events.example`)),
    );
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        customers.map((c) =>
          t.rest('POST', `/ledger/customers/${c.id}/credit`, {
            body: { amount: { amount: round + 1, currency: 'USD' }, reason: 'load' },
          }),
        ),
      );
    }
    const expected = await store.listEvents(scopeA, { limit: 1000 });
    expect(expected).toHaveLength(120);

    const calls = new Map<string, number>();
    const byWorker = [0, 0];
    const order: LedgerEvent[] = [];
    const workers = [0, 1].map((n) => {
      const worker = createEventDispatcher({ outbox: store, clock: systemClock, batchSize: 5 });
      worker.subscribe('*', async (event) => {
        calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
        byWorker[n] = (byWorker[n] ?? 0) + 1;
        order.push(event);
        await new Promise((resolve) => setTimeout(resolve, 1));
      });
      return worker;
    });
    // A worker's drain ends when nothing is claimable *for it* (the rest may be leased by the
    // other), so each keeps draining until everything was delivered.
    await Promise.all(
      workers.map(async (worker) => {
        for (let round = 0; round < 500 && calls.size < expected.length; round++) {
          await worker.drain();
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      }),
    );

    expect([...calls.keys()].sort()).toEqual(expected.map((e) => e.id).sort());
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect((byWorker[0] ?? 0) + (byWorker[1] ?? 0)).toBe(expected.length);
    expect(byWorker.every((n) => n > 0)).toBe(true);
    for (const c of customers) {
      const sequences = order.filter((e) => e.customerId === c.id).map((e) => e.sequence);
      expect(sequences, c.id).toEqual([1, 2, 3, 4]);
    }
    // Nothing is left to deliver for either worker.
    const leftover = createEventDispatcher({ outbox: store, clock: systemClock });
    let extra = 0;
    leftover.subscribe('*', () => {
      extra++;
    });
    await leftover.drain();
    expect(extra).toBe(0);
  });
});

describe.each(testDatabaseKinds())('the dispatcher’s claims on %s', (kind) => {
  let claims = 0;
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind, {
      wrapStore: (store) => ({
        ...store,
        claimEvents: (...args) => {
          claims++;
          return store.claimEvents(...args);
        },
      }),
    });
  });
  afterAll(() => t.close());

  /** Whether each of `customerId`'s events is still owed to a handler, in sequence order. */
  async function owed(customerId: string): Promise<boolean[]> {
    const result = await t.server.ledger.database.db.execute(
      `select delivered_at is null as owed from events where customer_id = '${customerId}' order by sequence`,
    );
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{
      owed: boolean;
    }>;
    return rows.map((row) => row.owed);
  }

  it('claims nothing while no handler subscribes: those events are written delivered', async () => {
    await settle(t);
    claims = 0;
    const quiet = await createViaRest(t, 'quiet@claims.example');
    await t.rest('POST', `/ledger/customers/${quiet.id}/credit`, {
      body: { amount: { amount: 5, currency: 'USD' }, reason: 'quiet' },
    });
    await settle(t);
    expect(claims).toBe(0);
    expect(await owed(quiet.id)).toEqual([false, false]);

    const seen: string[] = [];
    const off = t.server.ledger.events.subscribe('customer.balance.updated', (event) => {
      if (event.customerId === quiet.id) seen.push(event.type);
    });
    try {
      await t.rest('PUT', `/ledger/customers/${quiet.id}`, { body: { name: 'Still quiet' } });
      await t.rest('POST', `/ledger/customers/${quiet.id}/credit`, {
        body: { amount: { amount: 6, currency: 'USD' }, reason: 'heard' },
      });
      await settle(t);
      // Only the type a handler takes was owed; the earlier events were not replayed to it.
      expect(seen).toEqual(['customer.balance.updated']);
      expect(claims).toBeGreaterThan(0);
      expect(await owed(quiet.id)).toEqual([false, false, false, false]);
    } finally {
      off();
    }
  });

  it('delivers 250 events of one customer in order with a claim per 100', async () => {
    const { store } = t.server.ledger.deps;
    const customerId = 'cus_one_long_run';
    const at = new Date();
    for (let sequence = 1; sequence <= 250; sequence++) {
      await store.appendEvent({
        id: `evt_run_${String(sequence).padStart(4, '0')}` as LedgerEvent['id'],
        type: 'customer.updated',
        tenantId: scopeA.tenantId,
        appId: scopeA.appId,
        customerId,
        sequence,
        createdAt: at,
        data: { object: { sequence } },
      });
    }
    let ownClaims = 0;
    const worker = createEventDispatcher({
      outbox: {
        ...store,
        claimEvents: (...args) => {
          ownClaims++;
          return store.claimEvents(...args);
        },
      },
      clock: systemClock,
    });
    const order: number[] = [];
    worker.subscribe('*', (event) => {
      if (event.customerId === customerId) order.push(event.sequence);
    });
    await t.server.ledger.events.stop(); // this worker alone delivers them
    await worker.drain();
    expect(order).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    // Three claims of 100, 100 and 50, and the empty one that ends the drain; one claim an
    // event (the oldest of each customer only) would have taken 251.
    expect(ownClaims).toBe(4);
    expect(await owed(customerId)).toEqual(order.map(() => false));
  });
});
