import { readFileSync } from 'node:fs';
import { ERROR_TABLE, errorsOf, OPERATIONS } from '@ledger/api';
import { newId } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';

/**
 * The OpenAPI document against the server that serves it: what the document says about each
 * operation (its routes, parameters, bodies, required fields, unknown-field refusal and error
 * statuses) is what the server does. Outside tools' acceptance is in openapi-tools.test.ts.
 */

type Json = { [key: string]: unknown };
interface Parameter {
  name?: string;
  in?: string;
  $ref?: string;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Json }> };
  responses: Record<string, Json>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Json> };
}

let t: TestLedger;
let doc: Document;

beforeAll(async () => {
  t = await startTestLedger('pglite');
  doc = (await t.rest<Document>('GET', '/ledger/openapi.json', { key: null })).body;
});
afterAll(() => t.close());

/** Follows a local `$ref` (`#/components/…`) to what it names. */
function resolve<T>(value: T | { $ref: string }): T {
  if (typeof value === 'object' && value !== null && '$ref' in value) {
    const parts = value.$ref.replace(/^#\//, '').split('/');
    let at: unknown = doc;
    for (const part of parts) at = (at as Json)[part];
    return resolve(at as T);
  }
  return value as T;
}

function documented(method: string, path: string): Operation {
  const op = doc.paths[`/ledger${path}`]?.[method];
  if (!op) throw new Error(`${method} ${path} is not documented`);
  return op;
}

function bodyOf(op: Operation): Json | undefined {
  const schema = op.requestBody?.content['application/json']?.schema;
  return schema ? resolve(schema) : undefined;
}

/** Every property name anywhere inside `value`. */
function propertyNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(propertyNames);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === 'properties' && typeof inner === 'object' && inner !== null
      ? [...Object.keys(inner), ...propertyNames(Object.values(inner))]
      : propertyNames(inner),
  );
}

/** A request path with syntactically valid ids that name nothing. */
function concrete(path: string): string {
  return path
    .replace('{email}', 'nobody%40example.com')
    .replace('{pm}', newId('paymentMethod'))
    .replace('{id}', () => {
      if (path.startsWith('/plans')) return newId('plan');
      if (path.startsWith('/subscriptions')) return newId('subscription');
      if (path.startsWith('/invoices')) return newId('invoice');
      return newId('customer');
    });
}

describe('the OpenAPI document against the declarations', () => {
  it('documents each declared operation once, under its operationId', () => {
    const documentedIds = Object.values(doc.paths).flatMap((item) =>
      Object.values(item).map((op) => op.operationId),
    );
    expect(documentedIds.sort()).toEqual(OPERATIONS.map((op) => op.operationId).sort());
    for (const op of OPERATIONS) {
      expect(documented(op.method, op.path).operationId).toBe(op.operationId);
    }
  });

  it('documents the success status and every error status an operation can answer', () => {
    for (const op of OPERATIONS) {
      const { responses } = documented(op.method, op.path);
      const statuses = [...new Set([...errorsOf(op)].map((code) => ERROR_TABLE[code].status))];
      expect(Object.keys(responses).sort()).toEqual(
        [String(op.status), ...statuses.map(String)].sort(),
      );
      for (const status of statuses) {
        const response = resolve(responses[String(status)] as Json) as {
          content: Record<string, { schema: { $ref?: string } }>;
        };
        expect(response.content['application/json']?.schema.$ref).toBe(
          '#/components/schemas/Error',
        );
      }
    }
  });

  it('documents 429 with Retry-After and the RateLimit headers on every operation, which its success carries too', () => {
    const budget = [
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'RateLimit-Policy',
    ];
    for (const op of OPERATIONS) {
      const { responses } = documented(op.method, op.path);
      const limited = resolve(responses['429'] as Json) as { headers: Json; description: string };
      expect({ op: op.operationId, headers: Object.keys(limited.headers).sort() }).toEqual({
        op: op.operationId,
        headers: ['Retry-After', 'X-Request-Id', ...budget].sort(),
      });
      expect(limited.description).toContain('`rate_limited`');
      const success = resolve(responses[String(op.status)] as Json) as { headers: Json };
      expect(Object.keys(success.headers)).toEqual(expect.arrayContaining(budget));
    }
  });

  it('takes Idempotency-Key on every write and on nothing else', () => {
    for (const op of OPERATIONS) {
      const names = (documented(op.method, op.path).parameters ?? []).map(
        (parameter) => resolve<Parameter>(parameter as Parameter).name,
      );
      expect({ op: op.operationId, idempotent: names.includes('Idempotency-Key') }).toEqual({
        op: op.operationId,
        idempotent: op.method !== 'get',
      });
    }
  });

  it('writes every property and query parameter in snake_case', () => {
    const camel = [...propertyNames(doc.paths), ...propertyNames(doc.components.schemas)].filter(
      (name) => !/^[a-z0-9_]+$/.test(name),
    );
    expect(camel).toEqual([]);
  });

  it('names the readable components outside tools turn into types', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Customer', 'Money', 'Invoice', 'Error', 'ErrorCode', 'Plan']),
    );
    const create = bodyOf(documented('post', '/customers'));
    expect(create?.properties).toHaveProperty('billing_address');
    expect(create?.required).toEqual(expect.arrayContaining(['name', 'email', 'currency']));
  });
});

describe('docs/rest.md against the declarations', () => {
  const text = readFileSync(new URL('../../../docs/rest.md', import.meta.url), 'utf8');
  const rows = [...text.matchAll(/^\| `(GET|POST|PUT|DELETE) (\/[^`]*)` \| `(\w+)` \|/gm)].map(
    ([, method, path, operationId]) => `${method} ${path} ${operationId}`,
  );

  it('lists every declared operation with its operationId, and nothing else', () => {
    const declared = OPERATIONS.map(
      (op) => `${op.method.toUpperCase()} ${op.path} ${op.operationId}`,
    );
    expect(rows.sort()).toEqual(declared.sort());
  });
});

describe('the document against the server', () => {
  const writes = OPERATIONS.filter((op) => op.method !== 'get');

  it.each(writes.map((op) => [op.operationId, op] as const))(
    '%s refuses an unknown field, as additionalProperties: false says',
    async (_id, op) => {
      const body = bodyOf(documented(op.method, op.path));
      if (body) expect(body.additionalProperties).toBe(false);
      const res = await t.rest<{ error: { code: string; param: string } }>(
        op.method.toUpperCase(),
        `/ledger${concrete(op.path)}`,
        { body: { not_a_field: 1 } },
      );
      expect(res.status, res.text).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_input', param: 'not_a_field' });
    },
  );

  it.each(writes.map((op) => [op.operationId, op] as const))(
    '%s refuses an empty body exactly when the document says the body is required',
    async (_id, op) => {
      const documentedOp = documented(op.method, op.path);
      const required = ((bodyOf(documentedOp)?.required as string[] | undefined) ?? []).length > 0;
      expect(documentedOp.requestBody?.required ?? false).toBe(required);
      const res = await t.rest<{ error: { code: string; param: string | null } }>(
        op.method.toUpperCase(),
        `/ledger${concrete(op.path)}`,
        { body: {} },
      );
      const refusedForInput = res.status === 400 && res.body.error.code === 'invalid_input';
      expect({ refusedForInput, text: res.text }).toMatchObject({ refusedForInput: required });
    },
  );
});
