import {
  BalanceTransactionObject,
  CustomerExportObject,
  CustomerObject,
  EntitlementCheckObject,
  EventObject,
  InvoiceObject,
  PaymentMethodObject,
  PaymentObject,
  PortalSessionObject,
  SubscriptionObject,
  UsageEventObject,
} from '@ledger/api';
import { testDatabaseKinds } from '@ledger/db/testing';
import { EXPORT_PAGE_SIZE, type Store } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  createCustomer,
  createInvoice,
  monthlyPlan,
  scopeA,
  subscribe,
  type Wire,
  type WireList,
} from './support.js';

/**
 * The customer data export (PRIVACY.md "Export"), over a real server on both databases: every
 * section of a full history, complete and in creation order, each element parsed strictly with
 * its REST schema and equal to what the list endpoints answer; the NDJSON lines; the typed
 * client's `for await`; deleted customers; another scope's customer; and a client that goes away
 * mid-stream stopping the page reads.
 */

/** The REST schema of each record kind. */
const SCHEMAS: Record<string, z.ZodType> = {
  customer: CustomerObject,
  balance_transaction: BalanceTransactionObject,
  payment_method: PaymentMethodObject,
  subscription: SubscriptionObject,
  invoice: InvoiceObject,
  payment: PaymentObject,
  usage_event: UsageEventObject,
  entitlement_check: EntitlementCheckObject,
  event: EventObject,
  portal_session: PortalSessionObject,
};

/** The document's list sections and the record kind of their elements, in PRIVACY.md's order. */
const SECTIONS = [
  ['balance_transactions', 'balance_transaction'],
  ['payment_methods', 'payment_method'],
  ['subscriptions', 'subscription'],
  ['invoices', 'invoice'],
  ['payments', 'payment'],
  ['usage_events', 'usage_event'],
  ['entitlement_checks', 'entitlement_check'],
  ['events', 'event'],
  ['portal_sessions', 'portal_session'],
] as const;

type Doc = Record<string, unknown> & { customer: Wire };

/** Ids in creation order: TypeIDs sort by creation time. */
const sortedIds = (items: readonly Wire[]) => items.map((item) => item.id).sort();

/** Inserts `count` usage events of a customer in one statement (ids sort in insertion order). */
async function bulkUsage(t: TestLedger, customerId: string, count: number): Promise<void> {
  await t.database.db.execute(
    `insert into usage_events (tenant_id, app_id, id, customer_id, feature_key, quantity, timestamp, idempotency_key, created_at)
     select '${scopeA.tenantId}', '${scopeA.appId}', 'use_7zzzz' || lpad(n::text, 21, '0'), '${customerId}',
            'api_calls', 1, now(), null, now()
     from generate_series(1, ${count}) as n`,
  );
}

/** An NDJSON export over plain fetch (the harness's `rest` parses one JSON body). */
async function ndjson(t: TestLedger, customerId: string) {
  const res = await fetch(`${t.url}/ledger/customers/${customerId}/export`, {
    headers: { authorization: `Bearer ${t.keyA}`, accept: 'application/x-ndjson' },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe.each(testDatabaseKinds())('customer export on %s', (kind) => {
  let t: TestLedger;
  /** Pages the store has read for exports so far (the test port counts them). */
  let pagesRead = 0;
  let customer: Wire;
  let doc: Doc;

  const countingStore = (store: Store): Store => ({
    ...store,
    listExportPage: (...args) => {
      pagesRead++;
      return store.listExportPage(...args);
    },
  });

  const list = async <T = Wire>(path: string) => {
    const res = await t.rest<WireList<T>>('GET', path);
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };

  beforeAll(async () => {
    t = await startTestLedger(kind, { wrapStore: countingStore });
    customer = await createCustomer(t, {
      email: 'export@example.com',
      name: 'Export Person',
      metadata: { crm: 'A-1' },
    });
    const id = customer.id;
    const path = `/ledger/customers/${id}`;
    for (const amount of [500, 700]) {
      const credit = await t.rest('POST', `${path}/credit`, {
        body: { amount: { amount, currency: 'USD' }, reason: `credit ${amount}` },
      });
      expect(credit.status, credit.text).toBe(200);
    }
    const first = await t.rest<Wire>('POST', `${path}/payment-methods`, {
      body: { token: 'tok_mastercard' },
    });
    expect(first.status, first.text).toBe(201);
    const second = await t.rest<Wire>('POST', `${path}/payment-methods`, {
      body: { token: 'tok_visa', make_default: true },
    });
    expect(second.status, second.text).toBe(201);
    const removed = await t.rest('DELETE', `${path}/payment-methods/${first.body.id}`);
    expect(removed.status, removed.text).toBe(204);
    const plan = await monthlyPlan(t, 'export-plan', 4900, {
      features: [
        { key: 'api_calls', name: 'API calls', type: 'metered', limit: 1000, period: 'monthly' },
      ],
    });
    const subscription = await subscribe(t, id, plan.id);
    for (const quantity of [3, 4, 5]) {
      const usage = await t.rest('POST', '/ledger/meter/events', {
        body: { customer_id: id, feature_key: 'api_calls', quantity },
      });
      expect(usage.status, usage.text).toBe(202);
    }
    for (const quantity of [1, 2000]) {
      const check = await t.rest('POST', '/ledger/entitlements/check', {
        body: { customer_id: id, feature_key: 'api_calls', quantity },
      });
      expect(check.status, check.text).toBe(200);
    }
    const invoice = await createInvoice(t, subscription.id);
    // Finalizing charges the default card: the invoice is paid, with its payment.
    const finalized = await t.rest<Wire>('POST', `/ledger/invoices/${invoice.id}/finalize`);
    expect(finalized.status, finalized.text).toBe(200);
    expect(finalized.body.status).toBe('paid');
    const portal = await t.rest('POST', `${path}/portal`, {
      body: { return_url: 'https://app.example/account' },
    });
    expect(portal.status, portal.text).toBe(200);
    const res = await t.rest<Doc>('GET', `${path}/export`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${id}-export.json"`);
    doc = res.body;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers one document with every section, each element strictly its REST schema', () => {
    expect(Object.keys(doc)).toEqual([
      'format_version',
      'exported_at',
      'customer',
      ...SECTIONS.map(([key]) => key),
    ]);
    expect(doc.format_version).toBe(1);
    expect(CustomerExportObject.parse(doc)).toEqual(doc);
    expect(CustomerObject.parse(doc.customer)).toMatchObject({
      id: customer.id,
      name: 'Export Person',
    });
    for (const [key, recordKind] of SECTIONS) {
      const items = doc[key] as Wire[];
      const schema = SCHEMAS[recordKind] as z.ZodType;
      for (const item of items) expect(schema.parse(item), key).toEqual(item);
      expect(
        items.map((item) => item.id),
        `${key} in creation order`,
      ).toEqual(sortedIds(items));
    }
  });

  it('lists exactly what the list endpoints return, and what they do not (removed cards, usage, checks)', async () => {
    const id = customer.id;
    expect(doc.customer).toEqual((await t.rest('GET', `/ledger/customers/${id}`)).body);
    const journal = await list(`/ledger/customers/${id}/balance-transactions?limit=100`);
    expect(doc.balance_transactions).toEqual([...journal].sort((a, b) => (a.id < b.id ? -1 : 1)));
    expect(doc.subscriptions).toEqual(await list(`/ledger/customers/${id}/subscriptions`));
    const invoices = await list(`/ledger/customers/${id}/invoices`);
    expect(doc.invoices).toEqual(invoices);
    expect((doc.invoices as Array<{ line_items: unknown[]; status: string }>)[0]).toMatchObject({
      status: 'paid',
      line_items: [expect.objectContaining({ kind: 'base' })],
    });
    const payments = await list(`/ledger/payments?customer_id=${id}`);
    expect(doc.payments).toEqual([...payments].sort((a, b) => (a.id < b.id ? -1 : 1)));
    expect(payments.length).toBeGreaterThan(0);
    const live = await list(`/ledger/customers/${id}/payment-methods`);
    const methods = doc.payment_methods as Array<Wire & { removed_at: string | null }>;
    expect(methods).toHaveLength(2);
    expect(methods.filter((m) => m.removed_at === null)).toEqual(live);
    expect(methods.filter((m) => m.removed_at !== null)).toHaveLength(1);
    const events = await list(`/ledger/events?customer_id=${id}&limit=100`);
    expect(doc.events).toEqual([...events].reverse());
    expect(doc.usage_events).toMatchObject([{ quantity: 3 }, { quantity: 4 }, { quantity: 5 }]);
    expect(doc.entitlement_checks).toMatchObject([
      { quantity: 1, allowed: true, feature: 'api_calls' },
      { quantity: 2000, allowed: false, feature: 'api_calls' },
    ]);
    const sessions = doc.portal_sessions as Wire[];
    expect(sessions).toHaveLength(1);
    expect(Object.keys(sessions[0] ?? {})).not.toContain('url');
    expect(JSON.stringify(sessions)).not.toMatch(/token|hash|csrf/i);
  });

  it('gives the same records as NDJSON, one {kind, data} a line, the customer first', async () => {
    const res = await ndjson(t, customer.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(res.text.endsWith('\n')).toBe(true);
    const lines = res.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    const records = lines.map((line) => {
      const { kind: recordKind, data, ...rest } = line as { kind: string; data: unknown };
      expect(rest).toEqual({});
      const schema = SCHEMAS[recordKind];
      if (!schema) throw new Error(`unknown kind ${recordKind}`);
      return { kind: recordKind, data: schema.parse(data) };
    });
    expect(records[0]).toEqual({ kind: 'customer', data: doc.customer });
    const expected = [
      { kind: 'customer', data: doc.customer },
      ...SECTIONS.flatMap(([key, recordKind]) =>
        (doc[key] as unknown[]).map((data) => ({ kind: recordKind, data })),
      ),
    ];
    expect(records).toEqual(expected);
  });

  it('gives the same records to the typed client, read with for await', async () => {
    const client = t.client();
    const counts: Record<string, number> = {};
    const ids: string[] = [];
    for await (const record of await client.customer.export.query({ id: customer.id })) {
      counts[record.kind] = (counts[record.kind] ?? 0) + 1;
      if (record.kind === 'usage_event') ids.push(record.data.id);
      if (record.kind === 'customer') expect(record.data.createdAt).toBeInstanceOf(Date);
    }
    expect(counts.customer).toBe(1);
    for (const [key, recordKind] of SECTIONS) {
      expect(counts[recordKind] ?? 0, key).toBe((doc[key] as unknown[]).length);
    }
    expect(ids).toEqual((doc.usage_events as Wire[]).map((event) => event.id));
  });

  it('exports a deleted customer', async () => {
    const gone = await createCustomer(t, { email: 'gone@example.com' });
    expect((await t.rest('DELETE', `/ledger/customers/${gone.id}`)).status).toBe(204);
    const res = await t.rest<Doc>('GET', `/ledger/customers/${gone.id}/export`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.customer).toMatchObject({ id: gone.id, status: 'deleted' });
    expect(res.body.events).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'customer.deleted' })]),
    );
    expect(res.body.usage_events).toEqual([]);
  });

  it("answers 404 customer_not_found for another scope's customer, on both doors", async () => {
    const res = await t.rest<{ error: Wire }>('GET', `/ledger/customers/${customer.id}/export`, {
      key: t.keyB,
    });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'customer_not_found', type: 'not_found' });
    const client = t.client(t.keyB);
    const failure = await (async () => {
      for await (const _ of await client.customer.export.query({ id: customer.id })) {
        // never reached
      }
    })().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ data: { code: 'NOT_FOUND', httpStatus: 404 } });
  });

  it('stops reading pages when the client disconnects mid-stream', async () => {
    const heavy = await createCustomer(t, { email: 'heavy@example.com' });
    const events = 60_000;
    await bulkUsage(t, heavy.id, events);
    const before = pagesRead;
    const abort = new AbortController();
    const res = await fetch(`${t.url}/ledger/customers/${heavy.id}/export`, {
      headers: { authorization: `Bearer ${t.keyA}`, accept: 'application/x-ndjson' },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    const first = await reader?.read();
    expect(first?.value?.byteLength).toBeGreaterThan(0);
    abort.abort();
    await reader?.cancel().catch(() => {});
    // Wait until the server has settled: its read count stops changing.
    let seen = -1;
    while (seen !== pagesRead) {
      seen = pagesRead;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const pagesOfAll = Math.ceil(events / EXPORT_PAGE_SIZE) + 8;
    expect(pagesRead - before).toBeLessThan(pagesOfAll / 2);
    // The server is fine afterwards: the next export of the same customer runs to the end.
    const whole = await ndjson(t, heavy.id);
    expect(whole.text.trimEnd().split('\n')).toHaveLength(1 + events + 1);
  });
});
