import { ErrorObject, OPERATIONS, type Operation } from '@ledger/api';
import { newId } from '@ledger/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RestResponse, startTestLedger, type TestLedger } from './harness.js';
import {
  createCustomer,
  type ErrorBody,
  expectEnvelopeFields,
  type WireCustomer,
} from './support.js';

/**
 * Keys that mean something to JavaScript objects are plain data or a clear refusal naming them,
 * never a 500 or a silent drop; and a property-based walk over every declared operation sends
 * arbitrary bodies and queries: no answer is a 5xx, every refusal is the error envelope.
 */

const HOSTILE_KEYS = ['constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty'];

let t: TestLedger;
beforeAll(async () => {
  t = await startTestLedger('pglite');
});
afterAll(() => t.close());

/** A path of `op` with well-formed ids that name nothing. */
function pathOf(op: Operation): string {
  const id = op.path.startsWith('/plans')
    ? newId('plan')
    : op.path.startsWith('/subscriptions')
      ? newId('subscription')
      : op.path.startsWith('/invoices')
        ? newId('invoice')
        : newId('customer');
  return `/ledger${op.path
    .replace('{email}', 'nobody%40example.com')
    .replace('{pm}', newId('paymentMethod'))
    .replace('{id}', id)}`;
}

describe('keys that mean something to JavaScript', () => {
  it.each(HOSTILE_KEYS)('refuses %s as a query parameter, naming it', async (key) => {
    const res = await t.rest<ErrorBody>('GET', `/ledger/customers?${key}=1`);
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'invalid_input',
      param: key.replace(/([A-Z])/g, (c) => c),
    });
  });

  it.each(HOSTILE_KEYS.filter((key) => /^[a-z]+$/.test(key)))(
    'refuses %s as a body field of every write, naming it',
    async (key) => {
      for (const op of OPERATIONS.filter((each) => each.method !== 'get')) {
        const res = await t.rest<ErrorBody>(op.method.toUpperCase(), pathOf(op), {
          rawBody: `{"${key}": 1}`,
          headers: { 'Content-Type': 'application/json' },
        });
        expect({ op: op.operationId, status: res.status, param: res.body.error?.param }).toEqual({
          op: op.operationId,
          status: 400,
          param: key,
        });
      }
    },
  );

  it('refuses __proto__ in a body, naming it, on every write', async () => {
    for (const op of OPERATIONS.filter((each) => each.method !== 'get')) {
      const res = await t.rest<ErrorBody>(op.method.toUpperCase(), pathOf(op), {
        rawBody: '{"__proto__": {"admin": true}}',
        headers: { 'Content-Type': 'application/json' },
      });
      expect({ op: op.operationId, status: res.status, param: res.body.error?.param }).toEqual({
        op: op.operationId,
        status: 400,
        param: '__proto__',
      });
    }
  });

  it('keeps constructor and prototype as plain metadata, and refuses a __proto__ key anywhere in it', async () => {
    const kept = await createCustomer<WireCustomer>(t, {
      email: 'plain@example.com',
      metadata: { constructor: 'a', prototype: { toString: 'b' }, hasOwnProperty: 1 },
    });
    expect(kept.metadata).toEqual({
      constructor: 'a',
      prototype: { toString: 'b' },
      hasOwnProperty: 1,
    });
    const read = await t.rest<WireCustomer>('GET', `/ledger/customers/${kept.id}`);
    expect(read.body.metadata).toEqual(kept.metadata);

    for (const rawBody of [
      '{"name":"P","email":"p1@example.com","currency":"USD","metadata":{"__proto__":{"x":1}}}',
      '{"name":"P","email":"p2@example.com","currency":"USD","metadata":{"a":{"__proto__":1}}}',
    ]) {
      const res = await t.rest<ErrorBody>('POST', '/ledger/customers', {
        rawBody,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error.param).toMatch(/^metadata\.(__proto__|a\.__proto__)$/);
    }
    const query = await t.rest<ErrorBody>('GET', '/ledger/customers?metadata[__proto__]=x');
    expect(query.status, query.text).toBe(400);
    expect(query.body.error.param).toBe('metadata.__proto__');
  });

  it('refuses __proto__ among FX rates instead of dropping it', async () => {
    const res = await t.rest<ErrorBody>('PUT', '/ledger/fx/rates', {
      rawBody: '{"base":"USD","rates":{"__proto__":"0.9","EUR":"0.94"}}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.param).toBe('rates.__proto__');
  });
});

describe('every declared operation under arbitrary input', () => {
  const keyOf = fc.oneof(
    fc.constantFrom(...HOSTILE_KEYS, 'name', 'email', 'currency', 'amount', 'limit', 'metadata'),
    fc.string({ maxLength: 12 }),
  );
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.dictionary(keyOf, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
  );
  const query = fc.dictionary(keyOf, fc.string({ maxLength: 20 }), { maxKeys: 4 });

  it.each(OPERATIONS.map((op) => [op.operationId, op] as const))(
    '%s answers below 500, with the envelope on every refusal',
    async (_id, op) => {
      await fc.assert(
        fc.asyncProperty(body, query, async (payload, params) => {
          const search = new URLSearchParams(params).toString();
          const url = `${pathOf(op)}${search ? `?${search}` : ''}`;
          const res: RestResponse<unknown> = await t.rest(op.method.toUpperCase(), url, {
            ...(op.method === 'get' ? {} : { rawBody: JSON.stringify(payload) }),
            headers: { 'Content-Type': 'application/json' },
          });
          expect(res.status, res.text).toBeLessThan(500);
          if (res.status >= 400) {
            expectEnvelopeFields(res);
            expect(ErrorObject.safeParse(res.body).success, res.text).toBe(true);
          }
        }),
        { numRuns: 25 },
      );
    },
    60_000,
  );
});
