import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { createCustomer, expectError, type WireList } from './support.js';

/** The events API (`GET /ledger/events`, `event.list`, `event.get`) over real HTTP. */

type WireEvent = {
  id: string;
  type: string;
  created_at: string;
  customer_id: string | null;
  sequence: number;
  data: { object: Record<string, unknown>; previous_attributes: Record<string, unknown> | null };
};

describe.each(testDatabaseKinds())('the events API on %s', (kind) => {
  let t: TestLedger;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    t = await startTestLedger(kind);
    alice = (await createCustomer(t, { name: 'Alice Events', email: 'alice@events.example' })).id;
    bob = (await createCustomer(t, { name: 'Bob Events', email: 'bob@events.example' })).id;
    const renamed = await t.rest('PUT', `/ledger/customers/${alice}`, {
      body: { name: 'Alice Renamed', metadata: { crm_id: 'A-1' } },
    });
    expect(renamed.status, renamed.text).toBe(200);
    const credited = await t.rest('POST', `/ledger/customers/${alice}/credit`, {
      body: { amount: { amount: 500, currency: 'USD' }, reason: 'welcome' },
    });
    expect(credited.status, credited.text).toBe(200);
  });
  afterAll(() => t?.close());

  const list = (query = '') => t.rest<WireList<WireEvent>>('GET', `/ledger/events${query}`);

  it('lists events newest first, in the REST shape, objects in snake_case', async () => {
    const res = await list(`?customer_id=${alice}`);
    expect(res.status, res.text).toBe(200);
    const types = res.body.data.map((event) => event.type);
    expect(types).toEqual(['customer.balance.updated', 'customer.updated', 'customer.created']);
    expect(res.body.data.map((event) => event.sequence)).toEqual([3, 2, 1]);
    const updated = res.body.data[1];
    expect(updated).toMatchObject({
      customer_id: alice,
      data: {
        object: { id: alice, name: 'Alice Renamed', metadata: { crm_id: 'A-1' } },
        previous_attributes: { name: 'Alice Events' },
      },
    });
    expect(updated?.data.object).toHaveProperty('created_at');
    expect(updated?.data.object.balance).toMatchObject({ currency: 'USD', display: '$0.00' });
    expect(res.body.data[2]?.data.previous_attributes).toBeNull();
  });

  it('filters by exact type, by prefix wildcard and by created range', async () => {
    const created = await list('?type=customer.created');
    expect(created.body.data.map((event) => event.customer_id).sort()).toEqual([alice, bob].sort());
    const customer = await list('?type=customer.*&limit=100');
    expect(customer.body.data.length).toBe(4);
    const balance = await list('?type=customer.balance.*');
    expect(balance.body.data.map((event) => event.type)).toEqual(['customer.balance.updated']);
    const future = await list(`?created_gte=${encodeURIComponent('2100-01-01T00:00:00Z')}`);
    expect(future.body.data).toEqual([]);
    const past = await list(`?created_lte=${encodeURIComponent('2000-01-01T00:00:00Z')}`);
    expect(past.body.pagination.total).toBe(0);
  });

  it('pages with starting_after, without repeats or gaps', async () => {
    const all = await list('?limit=100');
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await list(`?limit=1${cursor}`);
      seen.push(...page.body.data.map((event) => event.id));
      if (!page.body.pagination.has_more) break;
      cursor = `&starting_after=${page.body.pagination.next_cursor}`;
    }
    expect(seen).toEqual(all.body.data.map((event) => event.id));
  });

  it('gets one event, and answers an unknown id or a bad type with the envelope', async () => {
    const [newest] = (await list()).body.data;
    if (!newest) throw new Error('there are events');
    const got = await t.rest<WireEvent>('GET', `/ledger/events/${newest.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(newest);
    expectError(
      await t.rest('GET', '/ledger/events/evt_00000000000000000000000000'),
      404,
      'event_not_found',
    );
    expectError(await list('?type=customers.*'), 400, 'invalid_input', 'type');
    expectError(await list('?type=customer.exploded'), 400, 'invalid_input', 'type');
  });

  it('answers the same over tRPC', async () => {
    const client = t.client();
    const page = await client.event.list.query({ customerId: bob });
    expect(page.data.map((event) => event.type)).toEqual(['customer.created']);
    const first = page.data[0];
    if (!first) throw new Error('bob has an event');
    const got = await client.event.get.query({ id: first.id });
    expect(got).toMatchObject({ id: first.id, customerId: bob, sequence: 1 });
    expect(got.createdAt).toBeInstanceOf(Date);
  });

  it('prunes delivered events past LEDGER_EVENT_RETENTION_DAYS, never one still owed', async () => {
    const { db } = t.server.ledger.database;
    // Alice's events were delivered (no handler is subscribed); Bob's creation is owed again.
    await db.execute(
      `update events set created_at = now() - interval '200 days', delivered_at = now() where customer_id = '${alice}'`,
    );
    await db.execute(
      `update events set created_at = now() - interval '200 days', delivered_at = null, next_attempt_at = now() + interval '1 day' where customer_id = '${bob}'`,
    );
    expect(await t.server.ledger.retention.pruneNow()).toBe(3);
    expect((await list(`?customer_id=${alice}`)).body.data).toEqual([]);
    expect((await list(`?customer_id=${bob}`)).body.data.map((event) => event.type)).toEqual([
      'customer.created',
    ]);
  });
});
