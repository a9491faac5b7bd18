import { connect } from 'node:net';
import { testDatabaseKinds } from '@ledger/db/testing';
import { type BillingGuards, noBillingGuards } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  [keyword: string]: unknown;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

interface Operation {
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, unknown>;
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Every property name anywhere inside `value` (nested schemas, items, $defs, anyOf, …). */
function propertyNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(propertyNames);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === 'properties' && typeof inner === 'object' && inner !== null
      ? [...Object.keys(inner), ...propertyNames(Object.values(inner))]
      : propertyNames(inner),
  );
}

function operations(document: OpenApiDocument): Array<[string, string, Operation]> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]): [string, string, Operation] => [method, path, operation]),
  );
}

function bodySchema(operation: Operation | undefined): JsonSchema {
  const schema = operation?.requestBody?.content['application/json']?.schema;
  if (!schema) throw new Error('the operation has no JSON request body');
  return schema;
}

/** Resolves once the returned socket is refused (or fails with the error it got). */
function connectionError(port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error));
  });
}

describe.each(testDatabaseKinds())('server on %s', (kind) => {
  let t: TestLedger;
  let document: OpenApiDocument;

  beforeAll(async () => {
    t = await startTestLedger(kind);
    const res = await t.rest<OpenApiDocument>('GET', '/ledger/openapi.json', { key: null });
    expect(res.status).toBe(200);
    document = res.body;
  });
  afterAll(() => t.close());

  it('answers /healthz without a key', async () => {
    const res = await t.rest('GET', '/healthz', { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('still guards the REST routes next to it', async () => {
    const res = await t.rest('GET', '/ledger/customers', { key: null });
    expect(res.status).toBe(401);
  });

  it('serves an OpenAPI 3.1 document without a key', async () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.title).toEqual(expect.any(String));
    expect(document.info.version).toEqual(expect.any(String));
  });

  it('documents exactly the REST routes the app serves', () => {
    const served = t.server.ledger.app.routes
      .filter((route) => route.method !== 'ALL' && route.path.startsWith('/ledger/'))
      .filter((route) => route.path !== '/ledger/openapi.json')
      .map(
        (route) =>
          `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`,
      );
    const documented = operations(document).map(([method, path]) => `${method} ${path}`);
    expect(served.length).toBeGreaterThan(0);
    expect([...new Set(documented)].sort()).toEqual([...new Set(served)].sort());
  });

  it('declares every path parameter of every operation', () => {
    for (const [method, path, operation] of operations(document)) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name);
      expect({ operation: `${method} ${path}`, declared: declared.sort() }).toEqual({
        operation: `${method} ${path}`,
        declared: templated.sort(),
      });
    }
  });

  it('documents a success response and the error envelope for every operation', () => {
    for (const [, , operation] of operations(document)) {
      expect(Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status))).toBe(true);
      expect(operation.responses).toHaveProperty('default');
    }
  });

  it('writes request bodies in snake_case, as REST callers send them', () => {
    const create = bodySchema(document.paths['/ledger/customers']?.post);
    expect(Object.keys(create.properties ?? {})).toEqual(
      expect.arrayContaining(['name', 'email', 'currency', 'billing_address', 'tax_ids']),
    );
    expect(create.properties).not.toHaveProperty('billingAddress');
    expect(create.properties).not.toHaveProperty('taxIds');
    expect(create.required).toEqual(expect.arrayContaining(['name', 'email', 'currency']));
    expect(create.properties?.billing_address?.properties).toHaveProperty('postal_code');
    expect(create.properties?.billing_address?.properties).not.toHaveProperty('postalCode');

    const update = bodySchema(document.paths['/ledger/customers/{id}']?.put);
    expect(update.properties).toHaveProperty('default_payment_method');
    expect(update.properties).not.toHaveProperty('defaultPaymentMethod');
    expect(update.properties).not.toHaveProperty('id');

    const credit = bodySchema(document.paths['/ledger/customers/{id}/credit']?.post);
    expect(Object.keys(credit.properties ?? {}).sort()).toEqual(['amount', 'reason']);
  });

  it('uses snake_case for every property and query parameter in the document', () => {
    const camel = propertyNames(document.paths).filter((name) => !/^[a-z0-9_]+$/.test(name));
    expect(camel).toEqual([]);
    const queryNames = operations(document).flatMap(([, , operation]) =>
      (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
    );
    expect(queryNames).toEqual(expect.arrayContaining(['limit', 'offset', 'starting_after']));
    expect(queryNames.filter((name) => !/^[a-z0-9_]+(\[key\])?$/.test(name))).toEqual([]);
  });
});

describe.each(testDatabaseKinds())('graceful close on %s', (kind) => {
  it('finishes an in-flight request, then closes, then refuses new connections', async () => {
    const order: string[] = [];
    let reachedGuard!: () => void;
    const inGuard = new Promise<void>((resolve) => {
      reachedGuard = resolve;
    });
    const guards: BillingGuards = {
      ...noBillingGuards,
      async hasActiveSubscriptions() {
        reachedGuard();
        await new Promise((resolve) => setTimeout(resolve, 300));
        order.push('guard answered');
        return false;
      },
    };
    const t = await startTestLedger(kind, { guards });
    let closed = false;
    try {
      const created = await t.rest<{ id: string }>('POST', '/ledger/customers', {
        body: { name: 'Closing', email: 'closing@example.com', currency: 'usd' },
      });
      expect(created.status).toBe(201);

      const deletion = t.rest('DELETE', `/ledger/customers/${created.body.id}`).then((res) => {
        order.push(`DELETE answered ${res.status}`);
        return res;
      });
      await inGuard;
      const closing = t.server.close().then(() => {
        closed = true;
        order.push('server closed');
      });
      // While the request is still in flight the listener is already gone.
      expect((await connectionError(t.server.port))?.code).toBe('ECONNREFUSED');

      const [res] = await Promise.all([deletion, closing]);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      // The request finished before close resolved; whether the client's callback or the
      // server's close runs first after that is up to the event loop, so only that order counts.
      expect(order.indexOf('guard answered')).toBe(0);
      expect(order.indexOf('server closed')).toBeGreaterThan(order.indexOf('guard answered'));
      expect(order).toContain('DELETE answered 204');

      expect((await connectionError(t.server.port))?.code).toBe('ECONNREFUSED');
      await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
    } finally {
      if (!closed) await t.close();
    }
  });

  it('closes once, however often it is asked', async () => {
    const t = await startTestLedger(kind);
    const first = t.server.close();
    expect(t.server.close()).toBe(first);
    await Promise.all([first, t.close()]);
    expect((await connectionError(t.server.port))?.code).toBe('ECONNREFUSED');
  });
});
