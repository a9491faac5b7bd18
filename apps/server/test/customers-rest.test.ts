import {
  BalanceTransactionObject,
  CreditResultObject,
  CustomerObject,
  listObject,
} from '@ledger/api';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import type { Wire } from './support.js';

const alice = {
  name: 'Alice Johnson',
  email: 'Alice@Example.com',
  currency: 'usd',
  billing_address: {
    line1: '123 Main St',
    line2: 'Suite 100',
    city: 'San Francisco',
    state: 'CA',
    postal_code: '94105',
    country: 'us',
  },
  tax_ids: [{ type: 'eu_vat', value: 'DE 123.456-789' }],
  metadata: { crm_id: 'A-1', tier: 'gold' },
};

describe.each(testDatabaseKinds())('customer REST routes on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterAll(() => t.close());

  it('creates a customer with the documented shape and normalised fields', async () => {
    const res = await t.rest<Wire>('POST', '/ledger/customers', { body: alice });
    expect(res.status).toBe(201);
    const customer = CustomerObject.parse(res.body);
    expect(customer).toMatchObject({
      tenant_id: 'tenant-a',
      app_id: 'app',
      name: 'Alice Johnson',
      email: 'alice@example.com',
      currency: 'USD',
      balance: { amount: 0, currency: 'USD', display: '$0.00' },
      billing_address: { country: 'US', postal_code: '94105' },
      tax_ids: [
        {
          type: 'eu_vat',
          value: 'DE123456789',
          verification: { status: 'unverified', reason: 'checksum_mismatch' },
        },
      ],
      tax_exempt: 'none',
      metadata: { crm_id: 'A-1', tier: 'gold' },
      status: 'active',
      deleted_at: null,
    });
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('gets by id and by email in any case, URL-encoded', async () => {
    const created = await t.rest<Wire>('POST', '/ledger/customers', {
      body: { name: 'Bob+Tag', email: 'bob+tag@example.com', currency: 'EUR' },
    });
    const byId = await t.rest<Wire>('GET', `/ledger/customers/${created.body.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual(created.body);
    const byEmail = await t.rest<Wire>(
      'GET',
      `/ledger/customers/email/${encodeURIComponent('BOB+TAG@example.COM')}`,
    );
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.id).toBe(created.body.id);
  });

  it('updates only the fields given; null clears the address and removes metadata keys', async () => {
    const created = await t.rest<Wire>('POST', '/ledger/customers', {
      body: { ...alice, email: 'carol@example.com', name: 'Carol' },
    });
    const res = await t.rest<Wire>('PUT', `/ledger/customers/${created.body.id}`, {
      body: { name: 'Carol Smith', billing_address: null, metadata: { tier: null, region: 'eu' } },
    });
    expect(res.status).toBe(200);
    const updated = CustomerObject.parse(res.body);
    expect(updated.name).toBe('Carol Smith');
    expect(updated.billing_address).toBeNull();
    expect(updated.metadata).toEqual({ crm_id: 'A-1', region: 'eu' });
    expect(updated.email).toBe('carol@example.com');
    expect(updated.tax_ids).toEqual(created.body.tax_ids);
    expect(Date.parse(updated.updated_at)).toBeGreaterThanOrEqual(Date.parse(updated.created_at));
  });

  it('changes the currency while nothing is owed, and refuses once a balance exists', async () => {
    const created = await t.rest<Wire>('POST', '/ledger/customers', {
      body: { name: 'Dan', email: 'dan@example.com', currency: 'USD' },
    });
    const changed = await t.rest<Wire>('PUT', `/ledger/customers/${created.body.id}`, {
      body: { currency: 'eur' },
    });
    expect(changed.body).toMatchObject({
      currency: 'EUR',
      balance: { amount: 0, currency: 'EUR' },
    });
    await t.rest('POST', `/ledger/customers/${created.body.id}/credit`, {
      body: { amount: { amount: 500, currency: 'EUR' }, reason: 'welcome' },
    });
    const locked = await t.rest<{ error: { code: string; param: string } }>(
      'PUT',
      `/ledger/customers/${created.body.id}`,
      {
        body: { currency: 'GBP' },
      },
    );
    expect(locked.status).toBe(400);
    expect(locked.body.error).toMatchObject({ code: 'currency_locked', param: 'currency' });
  });

  it('credits a customer and lists the journal', async () => {
    const created = await t.rest<Wire>('POST', '/ledger/customers', {
      body: { name: 'Erin', email: 'erin@example.com', currency: 'JPY' },
    });
    const credit = await t.rest('POST', `/ledger/customers/${created.body.id}/credit`, {
      body: { amount: { amount: 1500, currency: 'jpy' }, reason: 'refund for outage' },
    });
    expect(credit.status).toBe(200);
    const result = CreditResultObject.parse(credit.body);
    expect(result.balance).toEqual({ amount: -1500, currency: 'JPY', display: '-¥1,500' });
    expect(result.credit_applied).toMatchObject({ amount: 1500, currency: 'JPY' });
    expect(result.transaction).toMatchObject({
      type: 'credit',
      amount: { amount: -1500 },
      ending_balance: { amount: -1500 },
      description: 'refund for outage',
    });
    await t.rest('POST', `/ledger/customers/${created.body.id}/credit`, {
      body: { amount: { amount: 500, currency: 'JPY' }, reason: 'again' },
    });
    const journal = await t.rest(
      'GET',
      `/ledger/customers/${created.body.id}/balance-transactions?limit=1`,
    );
    const page = listObject(BalanceTransactionObject).parse(journal.body);
    expect(page.data).toHaveLength(1);
    expect(page.data[0]?.ending_balance.amount).toBe(-2000);
    expect(page.pagination).toMatchObject({
      total: 2,
      has_more: true,
      next_cursor: page.data[0]?.id,
    });
    const next = await t.rest(
      'GET',
      `/ledger/customers/${created.body.id}/balance-transactions?starting_after=${page.pagination.next_cursor}`,
    );
    const rest = listObject(BalanceTransactionObject).parse(next.body);
    expect(rest.data.map((row) => row.ending_balance.amount)).toEqual([-1500]);
    const customer = await t.rest<Wire>('GET', `/ledger/customers/${created.body.id}`);
    expect(customer.body.balance).toEqual({ amount: -2000, currency: 'JPY', display: '-¥2,000' });
  });

  it('soft-deletes: readable by id, out of lists and email lookups, refuses changes, frees the email', async () => {
    const created = await t.rest<Wire>('POST', '/ledger/customers', {
      body: { name: 'Frank', email: 'frank@example.com', currency: 'USD' },
    });
    const del = await t.rest('DELETE', `/ledger/customers/${created.body.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    const read = await t.rest<Wire>('GET', `/ledger/customers/${created.body.id}`);
    expect(read.body).toMatchObject({ status: 'deleted' });
    expect(read.body.deleted_at).toEqual(expect.any(String));
    expect((await t.rest('GET', '/ledger/customers/email/frank@example.com')).status).toBe(404);
    const active = await t.rest<{ data: Wire[] }>('GET', '/ledger/customers?limit=100');
    expect(active.body.data.map((c) => c.id)).not.toContain(created.body.id);
    const deleted = await t.rest<{ data: Wire[] }>('GET', '/ledger/customers?status=deleted');
    expect(deleted.body.data.map((c) => c.id)).toEqual([created.body.id]);
    const change = await t.rest<{ error: { code: string } }>(
      'PUT',
      `/ledger/customers/${created.body.id}`,
      { body: { name: 'X' } },
    );
    expect(change.body.error.code).toBe('customer_deleted');
    const reuse = await t.rest('POST', '/ledger/customers', {
      body: { name: 'Frank II', email: 'FRANK@example.com', currency: 'USD' },
    });
    expect(reuse.status).toBe(201);
  });
});

describe.each(testDatabaseKinds())('listing customers on %s', (kind) => {
  let t: TestLedger;
  const ids: string[] = [];
  beforeAll(async () => {
    t = await startTestLedger(kind);
    for (let i = 0; i < 7; i++) {
      const res = await t.rest<Wire>('POST', '/ledger/customers', {
        body: {
          name: i % 2 === 0 ? `Even Person ${i}` : `Odd 100%_${i}`,
          email: `person${i}@list.example`,
          currency: 'USD',
          metadata: { parity: i % 2 === 0 ? 'even' : 'odd', n: i },
        },
      });
      ids.push(res.body.id);
    }
  });
  afterAll(() => t.close());

  const page = listObject(CustomerObject);

  it('returns newest first with totals and offset paging', async () => {
    const first = page.parse((await t.rest('GET', '/ledger/customers?limit=3')).body);
    expect(first.data.map((c) => c.id)).toEqual([...ids].reverse().slice(0, 3));
    expect(first.pagination).toEqual({
      total: 7,
      limit: 3,
      offset: 0,
      has_more: true,
      next_cursor: first.data[2]?.id,
    });
    const third = page.parse((await t.rest('GET', '/ledger/customers?limit=3&offset=6')).body);
    expect(third.data.map((c) => c.id)).toEqual([ids[0]]);
    expect(third.pagination).toMatchObject({ has_more: false, next_cursor: null, offset: 6 });
  });

  it('walks every customer exactly once with starting_after', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&starting_after=${cursor}` : '';
      const res = page.parse((await t.rest('GET', `/ledger/customers?limit=2${query}`)).body);
      seen.push(...res.data.map((c) => c.id));
      cursor = res.pagination.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by email, q (escaping % and _), metadata and creation time', async () => {
    const byEmail = page.parse(
      (await t.rest('GET', '/ledger/customers?email=PERSON3@list.example')).body,
    );
    expect(byEmail.data.map((c) => c.id)).toEqual([ids[3]]);
    const byQ = page.parse(
      (await t.rest('GET', `/ledger/customers?q=${encodeURIComponent('100%_5')}`)).body,
    );
    expect(byQ.data.map((c) => c.id)).toEqual([ids[5]]);
    const byName = page.parse((await t.rest('GET', '/ledger/customers?q=even&limit=100')).body);
    expect(byName.pagination.total).toBe(4);
    const byMeta = page.parse(
      (await t.rest('GET', '/ledger/customers?metadata[parity]=odd&metadata[n]=3')).body,
    );
    expect(byMeta.data.map((c) => c.id)).toEqual([ids[3]]);
    const all = page.parse((await t.rest('GET', '/ledger/customers?limit=100')).body);
    const pivot = all.data.find((c) => c.id === ids[4]);
    const since = page.parse(
      (
        await t.rest(
          'GET',
          `/ledger/customers?limit=100&created_gte=${encodeURIComponent(pivot?.created_at ?? '')}`,
        )
      ).body,
    );
    expect(
      since.data.every((c) => Date.parse(c.created_at) >= Date.parse(pivot?.created_at ?? '')),
    ).toBe(true);
    expect(since.data.map((c) => c.id)).toContain(ids[6]);
    const until = page.parse(
      (
        await t.rest(
          'GET',
          `/ledger/customers?limit=100&created_lte=${encodeURIComponent(pivot?.created_at ?? '')}`,
        )
      ).body,
    );
    expect(until.data.map((c) => c.id)).toContain(ids[0]);
    expect(
      until.data.every((c) => Date.parse(c.created_at) <= Date.parse(pivot?.created_at ?? '')),
    ).toBe(true);
  });

  it('refuses bad list parameters naming them', async () => {
    for (const [query, param] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['status=gone', 'status'],
      ['starting_after=nope', 'starting_after'],
      ['created_gte=yesterday', 'created_gte'],
      ['colour=red', 'colour'],
      [`offset=2&starting_after=${ids[0]}`, 'starting_after'],
    ] as const) {
      const res = await t.rest<{ error: { param: string; type: string } }>(
        'GET',
        `/ledger/customers?${query}`,
      );
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toMatchObject({ param, type: 'validation' });
    }
  });
});
