import { type DatabaseKind, testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { startReceiver, type TestReceiver } from './receivers.js';
import {
  createCustomer,
  createInvoice,
  monthlyPlan,
  rowsOf,
  subscribe,
  type Wire,
  type WireCustomer,
} from './support.js';
import { createEndpoint, eventually } from './webhook-support.js';

/** The personal values a customer is given, each distinctive enough to find anywhere. */
function personal(tag: string, digits = '123456789') {
  return {
    name: `Zebulon Quartermaine ${tag}`,
    email: `zebulon.${tag}@erasure-sweep.example`,
    line1: `77 Xylophone Alley ${tag}`,
    line2: `Flat Q${tag}`,
    postalCode: `Z9${tag}Q`,
    metaValue: `mv-ultraviolet-${tag}`,
    taxId: `DE${digits}`,
  };
}

/** Every text, varchar, json and jsonb column of every table, from the catalog. */
async function searchableColumns(t: TestLedger): Promise<Array<[string, string]>> {
  const result = await t.database.db.execute(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public'
       AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY')
     ORDER BY table_name, column_name`,
  );
  return rowsOf(result).map((row) => [String(row.table_name), String(row.column_name)]);
}

/** Where a value still occurs: `table.column` for each column with a hit. */
async function sweep(t: TestLedger, values: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const [table, column] of await searchableColumns(t)) {
    for (const value of values) {
      const result = await t.database.db.execute(
        `SELECT count(*)::int AS n FROM "${table}" WHERE "${column}"::text ILIKE '%${value.replace(/'/g, "''")}%'`,
      );
      if (Number(rowsOf(result)[0]?.n) > 0) hits.push(`${table}.${column} ∋ ${value}`);
    }
  }
  return hits;
}

async function financials(t: TestLedger, customerId: string) {
  const q = async (sql: string) => rowsOf(await t.database.db.execute(sql));
  return {
    invoices: await q(
      `SELECT id, number, total, amount_due, subtotal, tax->'amount' AS tax, tax->>'rate' AS rate, currency, period_start FROM invoices WHERE customer_id = '${customerId}' ORDER BY id`,
    ),
    payments: await q(
      `SELECT id, amount, currency, status FROM payments WHERE customer_id = '${customerId}' ORDER BY id`,
    ),
    journal: await q(
      `SELECT id, amount, ending_balance, type FROM balance_transactions WHERE customer_id = '${customerId}' ORDER BY created_at, id`,
    ),
    balance: await q(`SELECT balance, currency FROM customers WHERE id = '${customerId}'`),
  };
}

describe.each(testDatabaseKinds())('erasure on %s', (kind: DatabaseKind) => {
  let t: TestLedger;
  let receiver: TestReceiver;
  let plan: Wire;

  beforeAll(async () => {
    // The receiver echoes each delivery back, so the excerpt holds the customer's data.
    receiver = await startReceiver((request) => ({ status: 200, body: request.body }));
    t = await startTestLedger(kind);
    plan = await monthlyPlan(t, 'erasure-plan', 2_500, {
      features: [
        { key: 'api_calls', name: 'API calls', type: 'metered', limit: 1000, period: 'monthly' },
      ],
    });
    await createEndpoint(t, { url: receiver.url, enabled_events: ['*'] });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  /** A customer with a full history, created and changed with Idempotency-Keys. */
  async function customerWithHistory(tag: string) {
    const p = personal(tag, '271828182');
    const created = await t.rest<WireCustomer>('POST', '/ledger/customers', {
      body: {
        name: p.name,
        email: p.email,
        currency: 'EUR',
        billing_address: {
          line1: p.line1,
          line2: p.line2,
          city: 'Berlin',
          postal_code: p.postalCode,
          country: 'DE',
        },
        metadata: { crm: p.metaValue },
        tax_ids: [{ type: 'eu_vat', value: p.taxId }],
      },
      headers: { 'Idempotency-Key': `create-${tag}` },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    const updated = await t.rest('PUT', `/ledger/customers/${id}`, {
      body: { name: `${p.name} Jr`, metadata: { note: `${p.metaValue}-2` } },
      headers: { 'Idempotency-Key': `update-${tag}` },
    });
    expect(updated.status, updated.text).toBe(200);
    const card = await t.rest('POST', `/ledger/customers/${id}/payment-methods`, {
      body: { token: 'tok_visa', make_default: true },
      headers: { 'Idempotency-Key': `card-${tag}` },
    });
    expect(card.status, card.text).toBe(201);
    const credit = await t.rest('POST', `/ledger/customers/${id}/credit`, {
      body: { amount: { amount: 700, currency: 'EUR' }, reason: 'goodwill' },
    });
    expect(credit.status, credit.text).toBe(200);
    const sub = await subscribe(t, id, plan.id);
    const usage = await t.rest('POST', '/ledger/meter/events', {
      body: { customer_id: id, feature_key: 'api_calls', quantity: 3 },
    });
    expect(usage.status, usage.text).toBe(202);
    const check = await t.rest('POST', '/ledger/entitlements/check', {
      body: { customer_id: id, feature_key: 'api_calls' },
    });
    expect(check.status, check.text).toBe(200);
    const invoice = await createInvoice(t, sub.id);
    const finalized = await t.rest('POST', `/ledger/invoices/${invoice.id}/finalize`);
    expect(finalized.status, finalized.text).toBe(200);
    const portal = await t.rest('POST', `/ledger/customers/${id}/portal`, {
      body: { return_url: 'https://shop.example/account' },
    });
    expect(portal.status, portal.text).toBe(200);
    const canceled = await t.rest('POST', `/ledger/subscriptions/${sub.id}/cancel`, {
      body: { immediately: true },
    });
    expect(canceled.status, canceled.text).toBe(200);
    return { id, values: Object.values(p) };
  }

  it('removes every copy of the personal data, keeps the financial records, and is idempotent', async () => {
    const { id, values } = await customerWithHistory('e1');
    // Some delivery has echoed the customer's data back into an excerpt.
    await eventually(
      () => sweep(t, [values[0] as string]),
      (hits) => hits.some((hit) => hit.startsWith('webhook_deliveries.response_excerpt')),
    );
    expect(await sweep(t, values)).not.toEqual([]);
    const before = await financials(t, id);
    expect(before.invoices.length).toBeGreaterThan(0);

    const erased = await t.rest<WireCustomer>('POST', `/ledger/customers/${id}/erase`);
    expect(erased.status, erased.text).toBe(200);
    expect(erased.body).toMatchObject({
      id,
      name: 'Erased customer',
      email: null,
      billing_address: null,
      tax_ids: [],
      metadata: {},
      status: 'deleted',
    });
    expect(erased.body.erased_at).toEqual(expect.any(String));

    expect(await sweep(t, values)).toEqual([]);
    expect(await financials(t, id)).toEqual(before);
    const cards = rowsOf(
      await t.database.db.execute(`SELECT card FROM payment_methods WHERE customer_id = '${id}'`),
    );
    expect(cards.map((row) => (row.card as { brand: string; last4: string }).last4)).toEqual([
      '****',
    ]);
    expect(cards.map((row) => (row.card as { brand: string }).brand)).toEqual(['visa']);

    // A replay of the keyed create answers the erased customer, and does not create another.
    const replay = await t.rest<WireCustomer>('POST', '/ledger/customers', {
      body: {
        name: values[0],
        email: values[1],
        currency: 'EUR',
        billing_address: {
          line1: values[2],
          line2: values[3],
          city: 'Berlin',
          postal_code: values[4],
          country: 'DE',
        },
        metadata: { crm: values[5] },
        tax_ids: [{ type: 'eu_vat', value: values[6] }],
      },
      headers: { 'Idempotency-Key': 'create-e1' },
    });
    expect(replay.status).toBe(201);
    expect(replay.body).toMatchObject({ id, name: 'Erased customer', email: null });

    const again = await t.rest<WireCustomer>('POST', `/ledger/customers/${id}/erase`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(erased.body);
    const erasedEvents = rowsOf(
      await t.database.db.execute(
        `SELECT payload FROM events WHERE customer_id = '${id}' AND type = 'customer.erased'`,
      ),
    );
    expect(erasedEvents).toHaveLength(1);
    expect(erasedEvents[0]?.payload).toEqual({
      data: { object: { id, erasedAt: erased.body.erased_at } },
    });
    expect(await sweep(t, values)).toEqual([]);
  });

  it('erases through tRPC too', async () => {
    const c = await createCustomer<WireCustomer>(t, {
      name: 'Trpc Person',
      email: 'trpc.person@erasure.example',
    });
    const erased = await t.client().customer.erase.mutate({ id: c.id });
    expect(erased).toMatchObject({
      id: c.id,
      name: 'Erased customer',
      email: null,
      status: 'deleted',
    });
    expect(erased.erasedAt).toBeInstanceOf(Date);
  });

  it('refuses a live customer with an active subscription and changes nothing', async () => {
    const c = await createCustomer<WireCustomer>(t, {
      name: 'Still Subscribed',
      email: 'still.subscribed@erasure.example',
    });
    await subscribe(t, c.id, plan.id);
    const refused = await t.rest<{ error: { code: string } }>(
      'POST',
      `/ledger/customers/${c.id}/erase`,
    );
    expect(refused.body.error.code).toBe('has_active_subscriptions');
    const now = await t.rest<WireCustomer>('GET', `/ledger/customers/${c.id}`);
    expect(now.body).toEqual(c);
    expect(now.body.erased_at).toBeNull();
  });

  it("answers 404 for another scope's customer", async () => {
    const c = await createCustomer<WireCustomer>(t, {
      name: 'Other Scope',
      email: 'other.scope@erasure.example',
    });
    const res = await t.rest<{ error: { code: string } }>(
      'POST',
      `/ledger/customers/${c.id}/erase`,
      { key: t.keyB },
    );
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('customer_not_found');
    expect((await t.rest<WireCustomer>('GET', `/ledger/customers/${c.id}`)).body.name).toBe(
      'Other Scope',
    );
  });

  it('leaves no personal data in any event when changes race the erasure', async () => {
    const p = personal('race');
    const c = await createCustomer<WireCustomer>(t, {
      name: p.name,
      email: p.email,
      currency: 'EUR',
      metadata: { crm: p.metaValue },
    });
    // Keyed, so each answer is kept: a kept answer is sealed, so the sweep cannot see into it
    // and the replays below must show it holds none of the data either.
    const change = (i: number) =>
      i % 2 === 0
        ? t.rest('PUT', `/ledger/customers/${c.id}`, {
            body: { name: `${p.name} v${i}`, metadata: { crm: `${p.metaValue}-${i}` } },
            headers: { 'Idempotency-Key': `race-${i}` },
          })
        : t.rest('POST', `/ledger/customers/${c.id}/credit`, {
            body: { amount: { amount: 100, currency: 'EUR' }, reason: 'race' },
            headers: { 'Idempotency-Key': `race-${i}` },
          });
    const changes = Array.from({ length: 20 }, (_, i) => change(i));
    const erase = t.rest('POST', `/ledger/customers/${c.id}/erase`);
    const settled = await Promise.all([...changes, erase]);
    for (const res of settled.slice(0, -1)) {
      if (res.status !== 200)
        expect((res.body as { error: { code: string } }).error.code).toBe('customer_deleted');
    }
    expect(settled.at(-1)?.status).toBe(200);
    expect(await sweep(t, [p.name, p.email, p.metaValue])).toEqual([]);
    for (let i = 0; i < 20; i++) {
      const replay = await change(i);
      if (replay.status !== 200) continue;
      expect(replay.headers.get('idempotent-replayed'), replay.text).toBe('true');
      for (const value of [p.name, p.email, p.metaValue]) expect(replay.text).not.toContain(value);
    }
  });
});

describe.each(testDatabaseKinds())('an answer kept after an erasure on %s', (kind) => {
  let t: TestLedger;
  /** The customer to erase right after the next keyed request commits, before its answer is kept. */
  let eraseNext: string | null = null;

  beforeAll(async () => {
    t = await startTestLedger(kind, {
      faults: {
        afterCommit: async () => {
          const id = eraseNext;
          if (id === null) return;
          eraseNext = null;
          const erased = await t.rest('POST', `/ledger/customers/${id}/erase`);
          expect(erased.status, erased.text).toBe(200);
        },
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('holds no personal data when the erasure committed between the request and its record', async () => {
    const p = personal('late');
    const c = await createCustomer<WireCustomer>(t, { name: p.name, email: p.email });
    const update = () =>
      t.rest<WireCustomer>('PUT', `/ledger/customers/${c.id}`, {
        body: { name: `${p.name} II`, metadata: { crm: p.metaValue } },
        headers: { 'Idempotency-Key': 'erased-meanwhile' },
      });
    eraseNext = c.id;
    const first = await update();
    expect(first.status, first.text).toBe(200);
    expect(eraseNext).toBeNull();
    const replay = await update();
    expect(replay.headers.get('idempotent-replayed'), replay.text).toBe('true');
    expect(replay.body.id).toBe(c.id);
    expect(replay.body.name).toBe('Erased customer');
    for (const value of [p.name, p.email, p.metaValue]) expect(replay.text).not.toContain(value);
  });
});
