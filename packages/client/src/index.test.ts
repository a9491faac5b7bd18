import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import {
  createLedgerClient,
  type LedgerErrorData,
  ledgerErrorOf,
  TRPCClientError,
} from './index.js';

/** One request the client sent. */
interface SentRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

/** What the fake server answers: a status and a JSON body. */
interface FakeReply {
  status?: number;
  body: unknown;
}

/** A `fetch` that records every request and answers with `reply`, standing in for Ledger. */
function fakeLedger(reply: (request: SentRequest) => FakeReply) {
  const requests: SentRequest[] = [];
  const fetchLedger: typeof fetch = async (input, init) => {
    const text = typeof init?.body === 'string' ? init.body : null;
    const request: SentRequest = {
      method: init?.method ?? 'GET',
      url: new URL(input instanceof Request ? input.url : String(input)),
      headers: new Headers(init?.headers),
      body: text === null ? null : superjson.deserialize(JSON.parse(text)),
    };
    requests.push(request);
    const { status = 200, body } = reply(request);
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { requests, fetch: fetchLedger };
}

/** tRPC's success envelope, superjson-encoded as the server sends it. */
const result = (data: unknown) => ({ result: { data: superjson.serialize(data) } });
/** tRPC's error envelope. */
const failure = (shape: unknown) => ({ error: superjson.serialize(shape) });

const createdAt = new Date('2024-05-01T12:00:00.000Z');
const customer = {
  id: 'cus_01h455vb4pex5vsknk084sn02q',
  tenantId: 'tenant-a',
  appId: 'app',
  name: 'Alice',
  email: 'alice@example.com',
  billingAddress: null,
  defaultPaymentMethod: null,
  balance: { amount: 0, currency: 'USD' },
  currency: 'USD',
  taxIds: [],
  taxExempt: 'none',
  metadata: {},
  status: 'active',
  createdAt,
  updatedAt: createdAt,
  deletedAt: null,
};

const notFound: LedgerErrorData = {
  type: 'not_found',
  code: 'customer_not_found',
  param: 'id',
  details: {},
  requestId: 'req_test',
};

/** The shape Ledger's tRPC error formatter produces. */
function errorShape(ledger: LedgerErrorData, httpStatus: number, path: string) {
  return {
    message: `No customer ${customer.id}`,
    code: -32004,
    data: { code: 'NOT_FOUND', httpStatus, path, ledger },
  };
}

describe('createLedgerClient', () => {
  it('sends mutations to <url>/trpc with the API key and the Idempotency-Key given', async () => {
    const server = fakeLedger(() => ({ body: result(customer) }));
    const client = createLedgerClient({
      url: 'https://ledger.test/',
      apiKey: 'lk_test_secret',
      fetch: server.fetch,
    });
    const input = { name: 'Alice', email: 'Alice@Example.com', currency: 'usd' };

    const created = await client.customer.create.mutate(input, {
      context: { idempotencyKey: 'create-alice' },
    });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.createdAt).toEqual(createdAt);
    expect(created.balance).toEqual({ amount: 0, currency: 'USD' });

    await client.customer.create.mutate(input);
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(first?.method).toBe('POST');
    expect(first?.url.href).toBe('https://ledger.test/trpc/customer.create');
    expect(first?.headers.get('authorization')).toBe('Bearer lk_test_secret');
    expect(first?.headers.get('idempotency-key')).toBe('create-alice');
    expect(first?.body).toEqual(input);
    expect(second?.headers.get('authorization')).toBe('Bearer lk_test_secret');
    expect(second?.headers.has('idempotency-key')).toBe(false);
  });

  it('batches queries in one authenticated GET and never sends an Idempotency-Key on them', async () => {
    const server = fakeLedger(() => ({ body: [result(customer), result(customer)] }));
    const client = createLedgerClient({
      url: 'https://ledger.test/api',
      apiKey: 'lk_test_secret',
      fetch: server.fetch,
    });
    const [byId, byEmail] = await Promise.all([
      client.customer.get.query(
        { id: customer.id },
        { context: { idempotencyKey: 'ignored-on-queries' } },
      ),
      client.customer.getByEmail.query({ email: 'alice@example.com' }),
    ]);
    expect(byId.updatedAt).toBeInstanceOf(Date);
    expect(byEmail.id).toBe(customer.id);

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('GET');
    expect(request?.url.pathname).toBe('/api/trpc/customer.get,customer.getByEmail');
    expect(request?.url.searchParams.get('batch')).toBe('1');
    expect(request?.headers.get('authorization')).toBe('Bearer lk_test_secret');
    expect(request?.headers.has('idempotency-key')).toBe(false);
  });
});

describe('ledgerErrorOf', () => {
  it("returns Ledger's error fields from a refused query", async () => {
    const server = fakeLedger(() => ({
      status: 404,
      body: [failure(errorShape(notFound, 404, 'customer.get'))],
    }));
    const client = createLedgerClient({
      url: 'https://ledger.test',
      apiKey: 'k',
      fetch: server.fetch,
    });
    const error = await client.customer.get.query({ id: customer.id }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(ledgerErrorOf(error)).toEqual(notFound);
  });

  it("returns Ledger's error fields from a refused mutation", async () => {
    const invalidEmail: LedgerErrorData = {
      type: 'validation',
      code: 'invalid_email',
      param: 'email',
      details: {},
      requestId: 'req_2',
    };
    const server = fakeLedger(() => ({
      status: 400,
      body: failure({ ...errorShape(invalidEmail, 400, 'customer.create'), code: -32600 }),
    }));
    const client = createLedgerClient({
      url: 'https://ledger.test',
      apiKey: 'k',
      fetch: server.fetch,
    });
    const error = await client.customer.create
      .mutate({ name: 'A', email: 'nope', currency: 'USD' })
      .catch((e: unknown) => e);
    expect(ledgerErrorOf(error)).toMatchObject({ code: 'invalid_email', param: 'email' });
  });

  it('is null for anything that is not a Ledger API error', () => {
    expect(ledgerErrorOf(new Error('network down'))).toBeNull();
    expect(ledgerErrorOf(new TRPCClientError('no shape'))).toBeNull();
    expect(ledgerErrorOf('customer_not_found')).toBeNull();
    expect(ledgerErrorOf(null)).toBeNull();
    expect(ledgerErrorOf({ data: { ledger: notFound } })).toBeNull();
  });
});
