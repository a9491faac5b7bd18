import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RestResponse, startTestLedger, type TestLedger } from './harness.js';

/**
 * tRPC over raw HTTP: what the typed client never shows. Auth, the body limit and idempotency
 * run as tRPC procedure middlewares, so every refusal must arrive in tRPC's own wire format with
 * Ledger's `data.ledger` and the status of the one table, batches included; a replay must carry
 * `Idempotent-Replayed: true` and the first answer's bytes.
 */

const REPLAYED = 'idempotent-replayed';

interface Ledger {
  type: string;
  code: string;
  param: string | null;
  details: Record<string, unknown>;
  requestId: string;
}
interface ErrorItem {
  error: { json: { message: string; data: { httpStatus: number; path: string; ledger: Ledger } } };
}
type ResultItem = { result: { data: { json: Record<string, unknown> & { id: string } } } };

const input = (email: string) => ({ name: 'Raw Call', email, currency: 'USD' });

function ledgerOf(body: unknown): Ledger {
  return (body as ErrorItem).error.json.data.ledger;
}

describe.each(testDatabaseKinds())('tRPC over HTTP on %s', (kind) => {
  let t: TestLedger;
  const logged: Array<{ error: unknown; requestId: string }> = [];
  let failDeletes = false;
  beforeAll(async () => {
    t = await startTestLedger(kind, {
      guards: {
        hasActiveSubscriptions: async () => {
          if (failDeletes) throw new Error('SELECT secret FROM x');
          return false;
        },
        hasBillingHistory: async () => false,
      },
      logError: (error, requestId) => logged.push({ error, requestId }),
    });
  });
  afterAll(() => t.close());

  /** One mutation, as the client's httpLink sends it. */
  function mutate<T = ResultItem>(
    path: string,
    value: unknown,
    headers: Record<string, string> = {},
    key?: string | null,
  ): Promise<RestResponse<T>> {
    return t.rest<T>('POST', `/trpc/${path}`, {
      rawBody: JSON.stringify({ json: value }),
      headers: { 'Content-Type': 'application/json', ...headers },
      ...(key === undefined ? {} : { key }),
    });
  }

  async function customerCount(email: string): Promise<number> {
    const list = await t.client().customer.list.query({ email, status: 'all' });
    return list.pagination.total;
  }

  it('replays a keyed mutation byte for byte with Idempotent-Replayed, running it once', async () => {
    const headers = { 'Idempotency-Key': 'raw-create-1' };
    const first = await mutate('customer.create', input('raw-replay@trpc.example'), headers);
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get(REPLAYED)).toBeNull();
    const second = await mutate('customer.create', input('raw-replay@trpc.example'), headers);
    expect(second.status).toBe(200);
    expect(second.headers.get(REPLAYED)).toBe('true');
    expect(second.text).toBe(first.text);
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    expect(await customerCount('raw-replay@trpc.example')).toBe(1);
  });

  it('refuses the key with another input, naming Idempotency-Key, in tRPC’s shape', async () => {
    const headers = { 'Idempotency-Key': 'raw-create-2', 'X-Request-Id': 'reused-1' };
    const first = await mutate('customer.create', input('raw-reuse@trpc.example'), headers);
    expect(first.status).toBe(200);
    const other = await mutate('customer.create', input('raw-other@trpc.example'), headers);
    expect(other.status).toBe(409);
    expect(other.headers.get(REPLAYED)).toBeNull();
    expect((other.body as unknown as ErrorItem).error.json.data).toMatchObject({
      httpStatus: 409,
      path: 'customer.create',
    });
    expect(ledgerOf(other.body)).toEqual({
      type: 'conflict',
      code: 'idempotency_key_reused',
      param: 'Idempotency-Key',
      details: {},
      requestId: 'reused-1',
    });
    expect(await customerCount('raw-other@trpc.example')).toBe(0);
  });

  it('replays a remembered refusal with this request’s id, and forgets a validation failure', async () => {
    await t.client().customer.create.mutate(input('taken@trpc.example'));
    const headers = { 'Idempotency-Key': 'raw-conflict' };
    const first = await mutate('customer.create', input('taken@trpc.example'), {
      ...headers,
      'X-Request-Id': 'conflict-1',
    });
    expect(first.status).toBe(409);
    expect(ledgerOf(first.body)).toMatchObject({
      code: 'duplicate_customer_email',
      param: 'email',
    });
    const replay = await mutate('customer.create', input('taken@trpc.example'), {
      ...headers,
      'X-Request-Id': 'conflict-2',
    });
    expect(replay.status).toBe(409);
    expect(replay.headers.get(REPLAYED)).toBe('true');
    expect(ledgerOf(replay.body)).toEqual({ ...ledgerOf(first.body), requestId: 'conflict-2' });
    expect((replay.body as unknown as ErrorItem).error.json.message).toBe(
      (first.body as unknown as ErrorItem).error.json.message,
    );

    const fixMe = { 'Idempotency-Key': 'raw-fix-me' };
    const bad = await mutate('customer.create', input('not-an-email'), fixMe);
    expect(bad.status).toBe(400);
    expect(ledgerOf(bad.body)).toMatchObject({ code: 'invalid_email', param: 'email' });
    // Too deep for any recursive walk: refused as the verb refuses it, before anything is reserved.
    const nested = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;
    const deep = await t.rest('POST', '/trpc/customer.create', {
      rawBody: `{"json":{"name":"x","email":"deep@trpc.example","currency":"USD","metadata":{"k":${nested}}}}`,
      headers: { 'Content-Type': 'application/json', ...fixMe },
    });
    expect(deep.status, deep.text).toBe(400);
    expect(ledgerOf(deep.body).code).toBe('invalid_input');
    const fixed = await mutate('customer.create', input('fixed@trpc.example'), fixMe);
    expect(fixed.status, fixed.text).toBe(200);
    expect(fixed.headers.get(REPLAYED)).toBeNull();
  });

  it('refuses a key of 256 characters, and a key on a batch of several mutations', async () => {
    const long = await mutate('customer.create', input('long@trpc.example'), {
      'Idempotency-Key': 'k'.repeat(256),
    });
    expect(long.status).toBe(400);
    expect(ledgerOf(long.body)).toMatchObject({ code: 'invalid_input', param: 'Idempotency-Key' });

    const batch = await t.rest<ErrorItem[]>(
      'POST',
      '/trpc/customer.create,customer.create?batch=1',
      {
        rawBody: JSON.stringify({
          0: { json: input('batch-1@trpc.example') },
          1: { json: input('batch-2@trpc.example') },
        }),
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'raw-batch' },
      },
    );
    expect(batch.status).toBe(400);
    expect(batch.body.map((item) => ledgerOf(item))).toMatchObject([
      { code: 'invalid_input', param: 'Idempotency-Key' },
      { code: 'invalid_input', param: 'Idempotency-Key' },
    ]);
    expect(await customerCount('batch-1@trpc.example')).toBe(0);
    expect(await customerCount('long@trpc.example')).toBe(0);
  });

  it('answers a batch without a key with one unauthenticated error per call', async () => {
    const query = encodeURIComponent(JSON.stringify({ 0: { json: {} }, 1: { json: {} } }));
    const res = await t.rest<ErrorItem[]>(
      'GET',
      `/trpc/customer.list,customer.list?batch=1&input=${query}`,
      { key: null, headers: { 'X-Request-Id': 'no-key' } },
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('no-key');
    expect(res.body.map((item) => ledgerOf(item))).toEqual([
      {
        type: 'authentication',
        code: 'unauthenticated',
        param: null,
        details: {},
        requestId: 'no-key',
      },
      {
        type: 'authentication',
        code: 'unauthenticated',
        param: null,
        details: {},
        requestId: 'no-key',
      },
    ]);
    const bearer = await mutate(
      'customer.create',
      input('stranger@trpc.example'),
      {},
      'ldg_sk_nope',
    );
    expect(bearer.status).toBe(401);
    expect(ledgerOf(bearer.body).code).toBe('unauthenticated');
  });

  it('refuses a body over 1 MiB with 413 body_too_large, after authentication', async () => {
    const big = { ...input('big@trpc.example'), name: 'x'.repeat(1024 * 1024) };
    const res = await mutate('customer.create', big, {
      'Idempotency-Key': 'raw-big',
      'X-Request-Id': 'too-large',
    });
    expect(res.status).toBe(413);
    expect((res.body as unknown as ErrorItem).error.json.data.httpStatus).toBe(413);
    expect(ledgerOf(res.body)).toEqual({
      type: 'validation',
      code: 'body_too_large',
      param: null,
      details: {},
      requestId: 'too-large',
    });
    const anonymous = await mutate('customer.create', big, {}, null);
    expect(anonymous.status).toBe(401);
    expect(ledgerOf(anonymous.body).code).toBe('unauthenticated');
    // Nothing was reserved: the key runs a body within the limit.
    const small = await mutate('customer.create', input('big@trpc.example'), {
      'Idempotency-Key': 'raw-big',
    });
    expect(small.status, small.text).toBe(200);
    expect(small.headers.get(REPLAYED)).toBeNull();
  });

  it('logs an unexpected error once with the request id, and shows the caller only that', async () => {
    const customer = await t.client().customer.create.mutate(input('logged@trpc.example'));
    failDeletes = true;
    try {
      const res = await mutate('customer.delete', { id: customer.id }, { 'X-Request-Id': 'boom' });
      expect(res.status).toBe(500);
      expect(ledgerOf(res.body)).toMatchObject({ code: 'internal_error', requestId: 'boom' });
      expect(res.text).not.toMatch(/SELECT|secret/);
      const entries = logged.filter((entry) => entry.requestId === 'boom');
      expect(entries).toHaveLength(1);
      expect(String(entries[0]?.error)).toContain('SELECT secret FROM x');
    } finally {
      failDeletes = false;
    }
  });
});
