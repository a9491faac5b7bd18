import { request } from 'node:http';
import { type AppRouter, CustomerObject, listObject } from '@ledger/api';
import { type LedgerClient, ledgerErrorOf, TRPCClientError } from '@ledger/client';
import { testDatabaseKinds } from '@ledger/db/testing';
import { hashApiKey, issueApiKey, newId, systemClock } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RestCall, startTestLedger, type TestLedger } from './harness.js';
import {
  type ErrorBody,
  type ExpectedError,
  expectEnvelope,
  scopeA,
  type WireCustomer,
} from './support.js';

/**
 * Every error code of REST.md's customer routes, provoked once over REST with the exact envelope,
 * and a few of them over tRPC with the same status and code. Every refused write is checked to
 * have written nothing.
 */

const customerPage = listObject(CustomerObject);
const MIB = 1024 * 1024;

/** Tenant A's customers the cases aim at. */
interface Fixtures {
  /** USD with a credit balance, so its currency is locked. */
  usd: WireCustomer;
  /** EUR, nothing owed. */
  eur: WireCustomer;
  /** Holds the email that others try to take. */
  taken: WireCustomer;
  deleted: WireCustomer;
}

interface ErrorCase extends ExpectedError {
  title: string;
  method: string;
  path: (f: Fixtures) => string;
  body?: (f: Fixtures) => unknown;
  rawBody?: string;
}

const valid = { name: 'Valid Name', email: 'fresh@errors.example', currency: 'USD' };
const address = { line1: '1 Main St', country: 'US' };
const credit = (amount: number, currency = 'USD') => ({
  amount: { amount, currency },
  reason: 'goodwill',
});
const byId =
  (pick: keyof Fixtures, suffix = '') =>
  (f: Fixtures) =>
    `/ledger/customers/${f[pick].id}${suffix}`;
const unknownCustomer = newId('customer');
const unknownPaymentMethod = newId('paymentMethod');

const CASES: ErrorCase[] = [
  // 400 invalid_json
  ...[
    ['POST', () => '/ledger/customers', '{"name": "Ann",'],
    ['PUT', byId('eur'), "{name: 'single quotes'}"],
    ['POST', byId('usd', '/credit'), '[{"amount": 1}]'],
  ].map(
    ([method, path, rawBody]): ErrorCase => ({
      title: `malformed body on ${method}`,
      method: method as string,
      path: path as (f: Fixtures) => string,
      rawBody: rawBody as string,
      status: 400,
      code: 'invalid_json',
      param: null,
    }),
  ),
  // 400 invalid_input
  {
    title: 'unknown field',
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({ ...valid, colour: 'red' }),
    status: 400,
    code: 'invalid_input',
    param: 'colour',
  },
  {
    title: 'unknown nested field',
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({ ...valid, billing_address: { ...address, colour: 'red' } }),
    status: 400,
    code: 'invalid_input',
    param: 'billing_address.colour',
  },
  {
    title: 'camelCase field',
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({ ...valid, taxExempt: 'exempt' }),
    status: 400,
    code: 'invalid_input',
    param: 'taxExempt',
  },
  {
    title: 'camelCase nested field',
    method: 'PUT',
    path: byId('eur'),
    body: () => ({ billing_address: { ...address, postalCode: '94105' } }),
    status: 400,
    code: 'invalid_input',
    param: 'billing_address.postalCode',
  },
  {
    title: 'missing name',
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({ email: valid.email, currency: 'USD' }),
    status: 400,
    code: 'invalid_input',
    param: 'name',
  },
  {
    title: 'blank name',
    method: 'PUT',
    path: byId('eur'),
    body: () => ({ name: '   ' }),
    status: 400,
    code: 'invalid_input',
    param: 'name',
  },
  {
    title: 'unknown tax_exempt value',
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({ ...valid, tax_exempt: 'sometimes' }),
    status: 400,
    code: 'invalid_input',
    param: 'tax_exempt',
  },
  ...(['id', 'tenant_id', 'balance'] as const).map(
    (field): ErrorCase => ({
      title: `body field ${field} on PUT`,
      method: 'PUT',
      path: byId('eur'),
      body: (f) => ({ [field]: field === 'balance' ? f.eur.balance : f.usd[field] }),
      status: 400,
      code: 'invalid_input',
      param: field,
    }),
  ),
  {
    title: 'body field customer_id on credit',
    method: 'POST',
    path: byId('usd', '/credit'),
    body: (f) => ({ ...credit(100), customer_id: f.eur.id }),
    status: 400,
    code: 'invalid_input',
    param: 'customer_id',
  },
  {
    title: 'credit without a reason',
    method: 'POST',
    path: byId('usd', '/credit'),
    body: () => ({ amount: { amount: 100, currency: 'USD' } }),
    status: 400,
    code: 'invalid_input',
    param: 'reason',
  },
  // 400 invalid_email
  {
    title: 'bad email on create',
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({ ...valid, email: 'not-an-email' }),
    status: 400,
    code: 'invalid_email',
    param: 'email',
  },
  {
    title: 'bad email on update',
    method: 'PUT',
    path: byId('eur'),
    body: () => ({ email: 'eve@' }),
    status: 400,
    code: 'invalid_email',
    param: 'email',
  },
  {
    title: 'email over 512 characters',
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({ ...valid, email: `${'a'.repeat(510)}@example.com` }),
    status: 400,
    code: 'invalid_email',
    param: 'email',
  },
  {
    title: 'bad email in the path',
    method: 'GET',
    path: () => '/ledger/customers/email/not-an-email',
    status: 400,
    code: 'invalid_email',
    param: 'email',
  },
  // 400 invalid_currency
  {
    title: 'unknown currency on create',
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({ ...valid, currency: 'XYZ' }),
    status: 400,
    code: 'invalid_currency',
    param: 'currency',
  },
  {
    title: 'unknown currency on credit',
    method: 'POST',
    path: byId('usd', '/credit'),
    body: () => credit(100, 'ABC'),
    status: 400,
    code: 'invalid_currency',
    param: 'amount.currency',
  },
  // 400 invalid_country
  {
    title: 'unknown country on create',
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({ ...valid, billing_address: { ...address, country: 'ZZ' } }),
    status: 400,
    code: 'invalid_country',
    param: 'billing_address.country',
    message: '"billing_address.country"',
  },
  {
    title: 'alpha-3 country on update',
    method: 'PUT',
    path: byId('eur'),
    body: () => ({ billing_address: { ...address, country: 'USA' } }),
    status: 400,
    code: 'invalid_country',
    param: 'billing_address.country',
  },
  // 400 invalid_tax_id
  {
    title: 'tax id of the wrong shape for its type',
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({ ...valid, tax_ids: [{ type: 'eu_vat', value: 'DE12' }] }),
    status: 400,
    code: 'invalid_tax_id',
    param: 'tax_ids[0].value',
    message: '"tax_ids[0].value"',
  },
  {
    title: 'second tax id of the wrong shape',
    method: 'PUT',
    path: byId('eur'),
    body: () => ({
      tax_ids: [
        { type: 'eu_vat', value: 'DE123456789' },
        { type: 'us_ein', value: 'abc' },
      ],
    }),
    status: 400,
    code: 'invalid_tax_id',
    param: 'tax_ids[1].value',
  },
  {
    title: 'unknown tax id type',
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({ ...valid, tax_ids: [{ type: 'xx_vat', value: '123' }] }),
    status: 400,
    code: 'invalid_tax_id',
    param: 'tax_ids[0].type',
  },
  // 400 invalid_metadata
  {
    title: 'metadata with 51 keys',
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({
      ...valid,
      metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`key_${i}`, i])),
    }),
    status: 400,
    code: 'invalid_metadata',
    param: 'metadata',
  },
  {
    title: "metadata key with '['",
    method: 'POST',
    path: () => '/ledger/customers',
    body: () => ({ ...valid, metadata: { 'a[b': 'x' } }),
    status: 400,
    code: 'invalid_metadata',
    param: 'metadata.a[b',
  },
  {
    title: 'metadata key over 40 characters',
    method: 'PUT',
    path: byId('eur'),
    body: () => ({ metadata: { ['k'.repeat(41)]: 'x' } }),
    status: 400,
    code: 'invalid_metadata',
    param: `metadata.${'k'.repeat(41)}`,
  },
  {
    title: 'metadata value over 500 characters of JSON',
    method: 'PUT',
    path: byId('eur'),
    // 499 characters plus the two quotes: 501 characters of JSON.
    body: () => ({ metadata: { notes: 'x'.repeat(499) } }),
    status: 400,
    code: 'invalid_metadata',
    param: 'metadata.notes',
  },
  // 400 invalid_id
  {
    title: 'malformed id',
    method: 'GET',
    path: () => '/ledger/customers/cus_nope',
    status: 400,
    code: 'invalid_id',
    param: 'id',
  },
  {
    title: 'id with the wrong prefix',
    method: 'GET',
    path: () => `/ledger/customers/${unknownPaymentMethod}`,
    status: 400,
    code: 'invalid_id',
    param: 'id',
  },
  {
    title: 'malformed id on update',
    method: 'PUT',
    path: () => '/ledger/customers/not-an-id',
    body: () => ({ name: 'X' }),
    status: 400,
    code: 'invalid_id',
    param: 'id',
  },
  {
    title: 'malformed id on delete',
    method: 'DELETE',
    path: () => '/ledger/customers/cus_123',
    status: 400,
    code: 'invalid_id',
    param: 'id',
  },
  {
    // The customer comes from the path, so the error names it as the route does: {id}.
    title: 'id with the wrong prefix on credit',
    method: 'POST',
    path: () => `/ledger/customers/${unknownPaymentMethod}/credit`,
    body: () => credit(100),
    status: 400,
    code: 'invalid_id',
    param: 'id',
  },
  {
    title: 'default payment method with the wrong prefix',
    method: 'PUT',
    path: byId('eur'),
    body: (f) => ({ default_payment_method: f.usd.id }),
    status: 400,
    code: 'invalid_id',
    param: 'default_payment_method',
  },
  {
    title: 'list cursor with the wrong prefix',
    method: 'GET',
    path: () => `/ledger/customers?starting_after=${unknownPaymentMethod}`,
    status: 400,
    code: 'invalid_id',
    param: 'starting_after',
  },
  // 400 invalid_amount
  ...(
    [
      ['zero', 0],
      ['negative', -500],
      ['fractional', 12.5],
      ['over 999 999 999 999', 1_000_000_000_000],
    ] as const
  ).map(
    ([title, amount]): ErrorCase => ({
      title: `${title} credit`,
      method: 'POST',
      path: byId('usd', '/credit'),
      body: () => credit(amount),
      status: 400,
      code: 'invalid_amount',
      param: 'amount.amount',
    }),
  ),
  // 400 currency_mismatch
  {
    title: 'credit in another currency',
    method: 'POST',
    path: byId('usd', '/credit'),
    body: () => credit(100, 'eur'),
    status: 400,
    code: 'currency_mismatch',
    param: 'amount.currency',
    details: { expected: 'USD', received: 'EUR' },
  },
  // 400 customer_deleted
  {
    title: 'update of a deleted customer',
    method: 'PUT',
    path: byId('deleted'),
    body: () => ({ name: 'Back again' }),
    status: 400,
    code: 'customer_deleted',
    param: 'id',
  },
  {
    title: 'credit to a deleted customer',
    method: 'POST',
    path: byId('deleted', '/credit'),
    body: () => credit(100),
    status: 400,
    code: 'customer_deleted',
    param: 'id',
  },
  {
    title: 'delete of a deleted customer',
    method: 'DELETE',
    path: byId('deleted'),
    status: 400,
    code: 'customer_deleted',
    param: 'id',
  },
  // 400 currency_locked
  {
    title: 'currency change with a balance',
    method: 'PUT',
    path: byId('usd'),
    body: () => ({ currency: 'EUR', name: 'Renamed too' }),
    status: 400,
    code: 'currency_locked',
    param: 'currency',
    details: { currency: 'USD' },
  },
  // 400 payment_method_not_found
  {
    title: 'default payment method that does not exist',
    method: 'PUT',
    path: byId('eur'),
    body: () => ({ default_payment_method: unknownPaymentMethod }),
    status: 400,
    code: 'payment_method_not_found',
    param: 'default_payment_method',
  },
  // 404 customer_not_found
  ...(
    [
      ['GET', '', undefined, 'id'],
      ['PUT', '', { name: 'Ghost' }, 'id'],
      ['DELETE', '', undefined, 'id'],
      ['POST', '/credit', credit(100), 'id'],
      ['GET', '/balance-transactions', undefined, 'id'],
    ] as const
  ).map(
    ([method, suffix, body, param]): ErrorCase => ({
      title: `${method} ${suffix || 'customer'} of an unknown id`,
      method,
      path: () => `/ledger/customers/${unknownCustomer}${suffix}`,
      ...(body === undefined ? {} : { body: () => body }),
      status: 404,
      code: 'customer_not_found',
      param,
    }),
  ),
  {
    title: 'unknown email',
    method: 'GET',
    path: () => `/ledger/customers/email/${encodeURIComponent('Nobody@Errors.example')}`,
    status: 404,
    code: 'customer_not_found',
    param: 'email',
  },
  {
    title: 'email of a deleted customer',
    method: 'GET',
    path: (f) => `/ledger/customers/email/${encodeURIComponent(f.deleted.email ?? '')}`,
    status: 404,
    code: 'customer_not_found',
    param: 'email',
  },
  // 404 not_found
  {
    title: 'unknown route',
    method: 'GET',
    path: () => '/ledger/nope',
    status: 404,
    code: 'not_found',
    param: null,
  },
  {
    title: 'unknown sub-route',
    method: 'POST',
    path: byId('usd', '/debit'),
    body: () => credit(100),
    status: 404,
    code: 'not_found',
    param: null,
  },
  {
    title: 'unsupported method',
    method: 'PATCH',
    path: byId('eur'),
    body: () => ({ name: 'Patched' }),
    status: 404,
    code: 'not_found',
    param: null,
  },
  // 409 duplicate_customer_email
  {
    title: 'create with a taken email in another case',
    method: 'POST',
    path: () => '/ledger/customers',
    body: (f) => ({ ...valid, email: f.taken.email?.toUpperCase() }),
    status: 409,
    code: 'duplicate_customer_email',
    param: 'email',
  },
  {
    title: 'update to a taken email',
    method: 'PUT',
    path: byId('eur'),
    body: (f) => ({ name: 'Eve Renamed', email: f.taken.email }),
    status: 409,
    code: 'duplicate_customer_email',
    param: 'email',
  },
];

/** A request over a fresh connection, body sent in chunks without Content-Length. */
function chunkedRequest(
  url: string,
  headers: Record<string, string>,
  chunks: string[],
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent: false,
        headers: { ...headers, 'Transfer-Encoding': 'chunked' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    // The server may answer and close before it has read everything we send.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe.each(testDatabaseKinds())('REST errors on %s', (kind) => {
  let t: TestLedger;
  let f: Fixtures;

  async function createCustomer(body: Record<string, unknown>): Promise<WireCustomer> {
    const res = await t.rest('POST', '/ledger/customers', { body });
    expect(res.status).toBe(201);
    return CustomerObject.parse(res.body);
  }

  /** Everything of tenant A a write could have changed: customers, journals, events. */
  async function scopeState() {
    const page = customerPage.parse(
      (await t.rest('GET', '/ledger/customers?status=all&limit=100')).body,
    );
    const journals = await Promise.all(
      page.data.map(
        async (customer) =>
          (await t.rest('GET', `/ledger/customers/${customer.id}/balance-transactions?limit=100`))
            .body,
      ),
    );
    const events = await t.server.ledger.deps.store.listEvents(scopeA, { limit: 1_000 });
    return { page, journals, events: events.map((event) => event.id) };
  }

  beforeAll(async () => {
    t = await startTestLedger(kind);
    const usd = await createCustomer({ name: 'Uma', email: 'uma@errors.example', currency: 'USD' });
    const credited = await t.rest('POST', `/ledger/customers/${usd.id}/credit`, {
      body: credit(500),
    });
    expect(credited.status).toBe(200);
    const eur = await createCustomer({
      name: 'Eve',
      email: 'eve@errors.example',
      currency: 'EUR',
      metadata: { tier: 'gold' },
    });
    const taken = await createCustomer({
      name: 'Tom',
      email: 'taken@errors.example',
      currency: 'USD',
    });
    const deleted = await createCustomer({
      name: 'Dee',
      email: 'dee@errors.example',
      currency: 'USD',
    });
    expect((await t.rest('DELETE', `/ledger/customers/${deleted.id}`)).status).toBe(204);
    f = {
      usd: CustomerObject.parse((await t.rest('GET', `/ledger/customers/${usd.id}`)).body),
      eur,
      taken,
      deleted: CustomerObject.parse((await t.rest('GET', `/ledger/customers/${deleted.id}`)).body),
    };
  });
  afterAll(() => t?.close());

  it.each(CASES.map((c, i) => [`${c.status} ${c.code}: ${c.title}`, i] as const))(
    '%s',
    async (_, index) => {
      const c = CASES[index];
      if (!c) throw new Error(`no case ${index}`);
      const requestId = `errors-case-${index}`;
      const call: RestCall = { headers: { 'X-Request-Id': requestId } };
      if (c.body !== undefined) call.body = c.body(f);
      if (c.rawBody !== undefined) {
        call.rawBody = c.rawBody;
        call.headers = { ...call.headers, 'Content-Type': 'application/json' };
      }
      const before = await scopeState();
      const res = await t.rest<ErrorBody>(c.method, c.path(f), call);
      expectEnvelope(res, c, requestId);
      expect(await scopeState()).toEqual(before);
    },
  );

  it('covers every code of the customer routes', () => {
    const codes = new Set(CASES.map((c) => c.code));
    for (const code of [
      'invalid_json',
      'invalid_input',
      'invalid_email',
      'invalid_currency',
      'invalid_country',
      'invalid_tax_id',
      'invalid_metadata',
      'invalid_id',
      'invalid_amount',
      'currency_mismatch',
      'customer_deleted',
      'currency_locked',
      'payment_method_not_found',
      'customer_not_found',
      'not_found',
      'duplicate_customer_email',
    ]) {
      expect(codes, code).toContain(code);
    }
  });

  it('generates a request id when none is sent', async () => {
    const res = await t.rest<ErrorBody>('GET', `/ledger/customers/${unknownCustomer}`);
    expectEnvelope(res, { status: 404, code: 'customer_not_found', param: 'id' });
  });

  describe('401 unauthenticated', () => {
    const listPath = '/ledger/customers';

    it('accepts a valid key in either header style (the control)', async () => {
      expect((await t.rest('GET', listPath)).status).toBe(200);
      const viaHeader = await t.rest('GET', listPath, {
        key: null,
        headers: { 'X-API-Key': t.keyA },
      });
      expect(viaHeader.status).toBe(200);
    });

    it.each([
      ['no key at all', {}],
      ['an unknown Bearer key', { Authorization: 'Bearer ldg_sk_unknownunknownunknown' }],
      ['an unknown X-API-Key', { 'X-API-Key': 'ldg_sk_unknownunknownunknown' }],
      ['an empty Bearer', { Authorization: 'Bearer ' }],
      ['a known key under another scheme', { Authorization: 'Basic <keyA>' }],
    ])('refuses %s, on reads and writes, writing nothing', async (_, headers) => {
      const sent = Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [name, value.replace('<keyA>', t.keyA)]),
      );
      const before = await scopeState();
      for (const [method, body] of [
        ['GET', undefined],
        ['POST', { ...valid, email: 'intruder@errors.example' }],
      ] as const) {
        const res = await t.rest<ErrorBody>(method, listPath, { key: null, headers: sent, body });
        expectEnvelope(res, { status: 401, code: 'unauthenticated', param: null });
      }
      // Authentication comes first: even an unknown route or a bad id answers 401.
      const route = await t.rest<ErrorBody>('GET', '/ledger/nope', { key: null, headers: sent });
      expectEnvelope(route, { status: 401, code: 'unauthenticated', param: null });
      expect(await scopeState()).toEqual(before);
    });

    it('refuses a revoked key in both header styles', async () => {
      const { secret } = await issueApiKey(t.server.ledger.deps.platform, systemClock, scopeA);
      expect((await t.rest('GET', listPath, { key: secret })).status).toBe(200);
      const platform = t.server.ledger.deps.platform;
      const record = await platform.findApiKeyByHash(await hashApiKey(secret));
      expect(record).toMatchObject({ tenantId: 'tenant-a', revokedAt: null });
      expect(await platform.revokeApiKey(scopeA, record?.id ?? '', new Date())).toBe(true);
      const before = await scopeState();
      const bearer = await t.rest<ErrorBody>('POST', listPath, {
        key: secret,
        body: { ...valid, email: 'revoked@errors.example' },
      });
      expectEnvelope(bearer, { status: 401, code: 'unauthenticated', param: null });
      const header = await t.rest<ErrorBody>('GET', listPath, {
        key: null,
        headers: { 'X-API-Key': secret },
      });
      expectEnvelope(header, { status: 401, code: 'unauthenticated', param: null });
      expect(await scopeState()).toEqual(before);
      // The other keys of the scope still work.
      expect((await t.rest('GET', listPath)).status).toBe(200);
    });
  });

  describe('413 body_too_large', () => {
    /** A create body of exactly `bytes` bytes (its name is too long to be valid anyway). */
    const bodyOf = (bytes: number) => `{"name":"${'x'.repeat(bytes - 11)}"}`;

    it('accepts exactly 1 MiB (then refuses the content), refuses one byte more', async () => {
      expect(bodyOf(MIB)).toHaveLength(MIB);
      const headers = { 'Content-Type': 'application/json' };
      const before = await scopeState();
      const atLimit = await t.rest<ErrorBody>('POST', '/ledger/customers', {
        rawBody: bodyOf(MIB),
        headers,
      });
      expectEnvelope(atLimit, { status: 400, code: 'invalid_input', param: 'name' });
      const over = await t.rest<ErrorBody>('POST', '/ledger/customers', {
        rawBody: bodyOf(MIB + 1),
        headers: { ...headers, 'X-Request-Id': 'too-large' },
      });
      expectEnvelope(over, { status: 413, code: 'body_too_large', param: null }, 'too-large');
      expect(await scopeState()).toEqual(before);
      // The unread body must not poison a kept-alive connection for the next requests.
      for (let i = 0; i < 5; i++) {
        expect((await t.rest('GET', '/ledger/customers')).status).toBe(200);
      }
    });

    it('refuses a chunked body without Content-Length once it passes 1 MiB', async () => {
      const before = await scopeState();
      const chunk = 'x'.repeat(64 * 1024);
      const res = await chunkedRequest(
        `${t.url}/ledger/customers`,
        { Authorization: `Bearer ${t.keyA}`, 'Content-Type': 'application/json' },
        ['{"name":"', ...Array.from({ length: 17 }, () => chunk), '"}'],
      );
      expectEnvelope(
        {
          status: res.status,
          headers: new Headers(res.headers as Record<string, string>),
          body: JSON.parse(res.text) as ErrorBody,
          text: res.text,
        },
        { status: 413, code: 'body_too_large', param: null },
      );
      expect(await scopeState()).toEqual(before);
    });
  });

  describe('tRPC errors carry the same code, status and type', () => {
    let client: LedgerClient;
    beforeAll(() => {
      client = t.client();
    });

    async function trpcError(call: Promise<unknown>) {
      const error = await call.then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(TRPCClientError);
      const httpStatus = (error as TRPCClientError<AppRouter>).data?.httpStatus;
      return { httpStatus, ledger: ledgerErrorOf(error) };
    }

    const CROSS: Array<{
      title: string;
      trpc: (c: LedgerClient, f: Fixtures) => Promise<unknown>;
      rest: (f: Fixtures) => { method: string; path: string; body?: unknown };
      code: string;
      param: string | null;
      restParam: string | null;
    }> = [
      {
        title: 'invalid_email',
        trpc: (c) => c.customer.create.mutate({ ...valid, email: 'not-an-email' }),
        rest: () => ({
          method: 'POST',
          path: '/ledger/customers',
          body: { ...valid, email: 'not-an-email' },
        }),
        code: 'invalid_email',
        param: 'email',
        restParam: 'email',
      },
      {
        title: 'invalid_country',
        trpc: (c) =>
          c.customer.create.mutate({ ...valid, billingAddress: { ...address, country: 'ZZ' } }),
        rest: () => ({
          method: 'POST',
          path: '/ledger/customers',
          body: { ...valid, billing_address: { ...address, country: 'ZZ' } },
        }),
        code: 'invalid_country',
        param: 'billingAddress.country',
        restParam: 'billing_address.country',
      },
      {
        title: 'invalid_tax_id',
        trpc: (c, fx) =>
          c.customer.update.mutate({ id: fx.eur.id, taxIds: [{ type: 'eu_vat', value: 'DE1' }] }),
        rest: (fx) => ({
          method: 'PUT',
          path: `/ledger/customers/${fx.eur.id}`,
          body: { tax_ids: [{ type: 'eu_vat', value: 'DE1' }] },
        }),
        code: 'invalid_tax_id',
        param: 'taxIds[0].value',
        restParam: 'tax_ids[0].value',
      },
      {
        title: 'customer_not_found',
        trpc: (c) => c.customer.get.query({ id: unknownCustomer }),
        rest: () => ({ method: 'GET', path: `/ledger/customers/${unknownCustomer}` }),
        code: 'customer_not_found',
        param: 'id',
        restParam: 'id',
      },
      {
        title: 'duplicate_customer_email',
        trpc: (c, fx) => c.customer.create.mutate({ ...valid, email: fx.taken.email ?? '' }),
        rest: (fx) => ({
          method: 'POST',
          path: '/ledger/customers',
          body: { ...valid, email: fx.taken.email },
        }),
        code: 'duplicate_customer_email',
        param: 'email',
        restParam: 'email',
      },
    ];

    it.each(CROSS.map((c) => [c.title, c] as const))('%s', async (_, c) => {
      const before = await scopeState();
      const { method, path, body } = c.rest(f);
      const rest = await t.rest<ErrorBody>(method, path, body === undefined ? {} : { body });
      expectEnvelope(rest, { status: rest.status, code: c.code, param: c.restParam });
      const { httpStatus, ledger } = await trpcError(c.trpc(client, f));
      expect(httpStatus).toBe(rest.status);
      expect(ledger).toEqual({
        type: rest.body.error.type,
        code: c.code,
        param: c.param,
        details: rest.body.error.details,
        requestId: expect.stringMatching(/^req_/),
      });
      expect(await scopeState()).toEqual(before);
    });

    it('unauthenticated, for queries and mutations', async () => {
      const rest = await t.rest<ErrorBody>('GET', '/ledger/customers', {
        key: 'ldg_sk_bad_bad_bad',
      });
      expectEnvelope(rest, { status: 401, code: 'unauthenticated', param: null });
      const stranger = t.client('ldg_sk_bad_bad_bad');
      const before = await scopeState();
      for (const call of [
        () => stranger.customer.list.query(),
        () => stranger.customer.create.mutate({ ...valid, email: 'stranger@errors.example' }),
      ]) {
        const { httpStatus, ledger } = await trpcError(call());
        expect(httpStatus).toBe(401);
        expect(ledger).toEqual({
          type: 'authentication',
          code: 'unauthenticated',
          param: null,
          details: {},
          requestId: expect.stringMatching(/^req_/),
        });
      }
      expect(await scopeState()).toEqual(before);
    });
  });
});

describe.each(testDatabaseKinds())('errors from the billing guards on %s', (kind) => {
  /** One server whose guard answers what each test needs (the billing core fills it later). */
  let guarded: TestLedger;
  let hasActiveSubscriptions = async (): Promise<boolean> => false;
  const logged: Array<{ error: unknown; requestId: string }> = [];
  const failing = async (): Promise<boolean> => {
    throw new Error('SELECT secret FROM x');
  };

  beforeAll(async () => {
    guarded = await startTestLedger(kind, {
      guards: {
        hasActiveSubscriptions: () => hasActiveSubscriptions(),
        hasBillingHistory: async () => false,
      },
      logError: (error, requestId) => logged.push({ error, requestId }),
    });
  });
  afterAll(() => guarded?.close());

  async function customerOf(t: TestLedger, email: string): Promise<WireCustomer> {
    const res = await t.rest('POST', '/ledger/customers', {
      body: { name: 'Sub Scriber', email, currency: 'USD' },
    });
    expect(res.status).toBe(201);
    return CustomerObject.parse(res.body);
  }

  async function eventIds(t: TestLedger): Promise<string[]> {
    return (await t.server.ledger.deps.store.listEvents(scopeA, { limit: 1_000 })).map(
      (event) => event.id,
    );
  }

  it('400 has_active_subscriptions refuses the delete and changes nothing', async () => {
    hasActiveSubscriptions = async () => true;
    const customer = await customerOf(guarded, 'active@errors.example');
    const events = await eventIds(guarded);
    const res = await guarded.rest<ErrorBody>('DELETE', `/ledger/customers/${customer.id}`, {
      headers: { 'X-Request-Id': 'live-subscriptions' },
    });
    expectEnvelope(
      res,
      { status: 400, code: 'has_active_subscriptions', param: 'id' },
      'live-subscriptions',
    );
    const after = await guarded.rest('GET', `/ledger/customers/${customer.id}`);
    expect(CustomerObject.parse(after.body)).toEqual(customer);
    expect(await eventIds(guarded)).toEqual(events);
  });

  it('500 internal_error shows neither SQL nor a stack, logs the cause, changes nothing', async () => {
    hasActiveSubscriptions = failing;
    const customer = await customerOf(guarded, 'rest@errors.example');
    const events = await eventIds(guarded);
    const res = await guarded.rest<ErrorBody>('DELETE', `/ledger/customers/${customer.id}`);
    expectEnvelope(res, { status: 500, code: 'internal_error', param: null, details: {} });
    expect(res.body.error.type).toBe('server');
    expect(res.body.error.message).not.toContain('SELECT');
    expect(res.text).not.toMatch(/SELECT|secret/);
    const entry = logged.find((line) => line.requestId === res.body.error.request_id);
    expect(String(entry?.error)).toContain('SELECT secret FROM x');
    const after = await guarded.rest('GET', `/ledger/customers/${customer.id}`);
    expect(CustomerObject.parse(after.body)).toEqual(customer);
    expect(await eventIds(guarded)).toEqual(events);
  });

  it('500 internal_error reaches a tRPC caller as the same status and code', async () => {
    hasActiveSubscriptions = failing;
    const customer = await customerOf(guarded, 'trpc@errors.example');
    const error = await guarded
      .client()
      .customer.delete.mutate({ id: customer.id })
      .then(
        () => null,
        (thrown: unknown) => thrown,
      );
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data?.httpStatus).toBe(500);
    expect(ledgerErrorOf(error)).toMatchObject({
      type: 'server',
      code: 'internal_error',
      param: null,
    });
    expect(JSON.stringify((error as TRPCClientError<AppRouter>).shape)).not.toMatch(
      /SELECT|secret|stack/,
    );
  });
});
