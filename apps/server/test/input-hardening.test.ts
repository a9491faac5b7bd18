import type { AppRouter } from '@ledger/api';
import { ledgerErrorOf, TRPCClientError } from '@ledger/client';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RestCall, type RestResponse, startTestLedger, type TestLedger } from './harness.js';
import {
  createCustomer,
  expectEnvelopeFields,
  type WireCustomer,
  type WireList,
} from './support.js';

/**
 * Strings PostgreSQL cannot store (a NUL, an unpaired UTF-16 surrogate) and bodies nested too
 * deep to walk are refused as input errors with the documented envelope, before anything is
 * written, on every door: never a 500.
 */

const DEPTH = 300_000;

/** A 400 validation envelope; `code` may be a pattern, and `param` is checked when given. */
function expect400(res: RestResponse<unknown>, code: string | RegExp, param?: string | null) {
  expect(res.status, res.text).toBe(400);
  const error = expectEnvelopeFields(res);
  expect(error.type).toBe('validation');
  if (typeof code === 'string') expect(error.code).toBe(code);
  else expect(error.code).toMatch(code);
  if (param !== undefined) expect(error.param, res.text).toBe(param);
  return error;
}

describe.each(testDatabaseKinds())('input hardening on %s', (kind) => {
  let t: TestLedger;
  let existing: WireCustomer;
  let email = 0;
  const valid = () => ({ name: 'Ada', email: `hardening-${++email}@example.com`, currency: 'USD' });
  const post = (body: unknown, call: RestCall = {}) =>
    t.rest<unknown>('POST', '/ledger/customers', { body, ...call });
  const rawPost = (rawBody: string, headers: Record<string, string> = {}) =>
    t.rest<unknown>('POST', '/ledger/customers', {
      rawBody,
      headers: { 'Content-Type': 'application/json', ...headers },
    });
  const total = async () =>
    (await t.rest<WireList<WireCustomer>>('GET', '/ledger/customers?status=all')).body.pagination
      .total;

  beforeAll(async () => {
    t = await startTestLedger(kind);
    existing = await createCustomer<WireCustomer>(t, { ...valid(), metadata: { crm: 'A-1' } });
  });
  afterAll(() => t.close());

  it('refuses a NUL in a body field, a metadata value and a metadata key, writing nothing', async () => {
    const before = await total();
    expect400(await post({ ...valid(), name: 'a\u0000b' }), 'invalid_input', 'name');
    expect400(
      await post({ ...valid(), metadata: { note: 'x\u0000' } }),
      'invalid_input',
      'metadata.note',
    );
    const key = expect400(
      await post({ ...valid(), metadata: { 'a\u0000b': 'v' } }),
      'invalid_input',
    );
    expect(key.param).toBe('metadata.a\u0000b');
    expect400(
      await post({ ...valid(), billing_address: { line1: '\u0000', country: 'US' } }),
      'invalid_input',
      'billing_address.line1',
    );
    expect(await total()).toBe(before);
  });

  it('refuses a NUL in an update, a credit reason and a plan feature, changing nothing', async () => {
    const path = `/ledger/customers/${existing.id}`;
    expect400(await t.rest('PUT', path, { body: { name: 'x\u0000y' } }), 'invalid_input', 'name');
    expect400(
      await t.rest('PUT', path, { body: { metadata: { crm: '\u0000' } } }),
      'invalid_input',
      'metadata.crm',
    );
    expect400(
      await t.rest('POST', `${path}/credit`, {
        body: { amount: { amount: 500, currency: 'USD' }, reason: 'goodwill\u0000' },
      }),
      'invalid_input',
      'reason',
    );
    const after = await t.rest<WireCustomer>('GET', path);
    expect(after.body).toMatchObject({
      name: existing.name,
      metadata: { crm: 'A-1' },
      balance: { amount: 0 },
    });
    expect400(
      await t.rest('POST', '/ledger/plans', {
        body: {
          name: 'Pro',
          slug: 'pro-nul',
          currency: 'USD',
          pricing: { base_amount: 0, billing_period: 'monthly' },
          features: [{ key: 'seats', name: 'Se\u0000ats', type: 'seat', limit: 5, period: 'none' }],
        },
      }),
      'invalid_input',
      'features[0].name',
    );
    const plans = await t.rest<WireList<unknown>>('GET', '/ledger/plans');
    expect(plans.body.data).toEqual([]);
  });

  it('refuses a NUL in a query parameter and in a metadata query filter', async () => {
    expect400(await t.rest('GET', '/ledger/customers?q=%00'), 'invalid_input', 'q');
    expect400(
      await t.rest('GET', '/ledger/customers?metadata[crm]=%00'),
      'invalid_input',
      'metadata.crm',
    );
    expect400(await t.rest('GET', '/ledger/customers/%00'), /^invalid_(input|id)$/, 'id');
    // The filters still work with ordinary text.
    const found = await t.rest<WireList<WireCustomer>>(
      'GET',
      '/ledger/customers?metadata[crm]=A-1',
    );
    expect(found.status, found.text).toBe(200);
    expect(found.body.data.map((c) => c.id)).toEqual([existing.id]);
  });

  it('refuses unpaired surrogates sent as raw JSON escapes; a real pair is accepted', async () => {
    const before = await total();
    const body = (name: string, extra = '') =>
      `{"name":"${name}","email":"surrogate-${++email}@example.com","currency":"USD"${extra}}`;
    expect400(await rawPost(body('\\ud800')), 'invalid_input', 'name');
    expect400(await rawPost(body('a\\udc00b')), 'invalid_input', 'name');
    expect400(await rawPost(body('\\ude00\\ud83d')), 'invalid_input', 'name');
    expect400(
      await rawPost(body('ok', ',"metadata":{"k":"\\udbff"}')),
      'invalid_input',
      'metadata.k',
    );
    expect400(
      await rawPost(body('nul', ',"metadata":{"k":"\\u0000"}')),
      'invalid_input',
      'metadata.k',
    );
    expect(await total()).toBe(before);

    const ok = await rawPost(body('smile \\ud83d\\ude00'));
    expect(ok.status, ok.text).toBe(201);
    expect((ok.body as WireCustomer).name).toBe('smile \u{1F600}');
    expect(await total()).toBe(before + 1);
  });

  it('refuses very deep nesting with or without an Idempotency-Key, and forgets the key', async () => {
    const before = await total();
    const deep = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
    const deepObject = `${'{"a":'.repeat(DEPTH / 10)}1${'}'.repeat(DEPTH / 10)}`;
    const bodies = [
      [`{"name":${deep},"email":"deep@example.com","currency":"USD"}`, /^name\[0\]/],
      [
        `{"metadata":${deep},"name":"x","email":"deep@example.com","currency":"USD"}`,
        /^metadata\[0\]/,
      ],
      [
        `{"metadata":{"k":${deep}},"name":"x","email":"deep@example.com","currency":"USD"}`,
        /^metadata\.k\[0\]/,
      ],
      [`{"name":${deepObject},"email":"deep@example.com","currency":"USD"}`, /^name\.a\.a/],
    ] as const;
    for (const [i, [body, param]] of bodies.entries()) {
      const keyed: Record<string, string> = { 'Idempotency-Key': `deep-${i}` };
      for (const headers of [{}, keyed]) {
        const error = expect400(await rawPost(body, headers), 'invalid_input');
        expect(error.param).toMatch(param);
        expect(error.message).toMatch(/deeper than 32 levels/);
      }
    }
    // A body nesting 33 levels is refused; 32 levels is ordinary input (a metadata value).
    const withDepth = (levels: number) =>
      rawPost(
        `{"name":"x","email":"depth-${levels}@example.com","currency":"USD","metadata":{"k":${'['.repeat(levels - 2)}"x"${']'.repeat(levels - 2)}}}`,
      );
    const tooDeep = expect400(await withDepth(33), 'invalid_input');
    expect(tooDeep.message).toMatch(/32/);
    expect(await total()).toBe(before);
    const deepest = await withDepth(32);
    expect(deepest.status, deepest.text).toBe(201);
    expect(await total()).toBe(before + 1);

    // The refused request did not keep its key: the same key now runs a valid request.
    const fresh = await post(valid(), { headers: { 'Idempotency-Key': 'deep-0' } });
    expect(fresh.status, fresh.text).toBe(201);
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
    expect(await total()).toBe(before + 2);
  });

  it('refuses a NUL over tRPC with BAD_REQUEST and invalid_input, writing nothing', async () => {
    const before = await total();
    const client = t.client();
    const error = await client.customer.create.mutate({ ...valid(), name: 'a\u0000b' }).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(TRPCClientError);
    const trpc = error as TRPCClientError<AppRouter>;
    expect(trpc.data?.code).toBe('BAD_REQUEST');
    expect(trpc.data?.httpStatus).toBe(400);
    expect(ledgerErrorOf(error)).toMatchObject({ code: 'invalid_input', param: 'name' });

    const meta = await client.customer.create
      .mutate({ ...valid(), metadata: { '\ud800': 'v' } })
      .then(
        () => null,
        (thrown: unknown) => thrown,
      );
    expect(ledgerErrorOf(meta)).toMatchObject({ code: 'invalid_input' });
    const list = await client.customer.list.query({ q: 'x\u0000' }).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(ledgerErrorOf(list)).toMatchObject({ code: 'invalid_input', param: 'q' });
    expect(await total()).toBe(before);
  });
});
