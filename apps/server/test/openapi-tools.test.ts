import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { ERROR_CODES } from '@ledger/domain';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { childEnv, run, tscBin, writeFiles } from './pack-support.js';

/**
 * The document at `GET /ledger/openapi.json` as outside tools see it: swagger-parser validates
 * it, Redocly's `recommended` ruleset lints it, the contract below holds for every operation,
 * and openapi-typescript turns it into types that a strict openapi-fetch program compiles
 * against and then runs, as a customer journey, against the live server.
 */

type Json = Record<string, unknown>;
type ApiDocument = NonNullable<Parameters<SwaggerParser.ApiCallback>[1]>;

const serverDir = fileURLToPath(new URL('../', import.meta.url));
const tsxCli = path.join(serverDir, 'node_modules', 'tsx', 'dist', 'cli.mjs');

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
const MUTATING = new Set(['post', 'put', 'delete', 'patch']);
const ERROR_REF = '#/components/schemas/Error';
/** A well-formed customer id that no customer has. */
const UNKNOWN_ID = 'cus_01h00000000000000000000000';

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at a local `$ref` (`#/a/b~1c`), or undefined when it points nowhere in `doc`. */
function resolvePointer(doc: Json, ref: string): unknown {
  if (ref === '#') return doc;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const token = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token];
    else return undefined;
  }
  return node;
}

/** `node`, or what its `$ref` chain ends at (undefined when a link is missing). */
function deref(doc: Json, node: unknown): unknown {
  let current = node;
  for (let hops = 0; hops < 32 && isObject(current) && typeof current.$ref === 'string'; hops++) {
    current = resolvePointer(doc, current.$ref);
  }
  return current;
}

/** Calls `visit` on every object in `node` with its JSON pointer. */
function walk(node: unknown, visit: (value: Json, pointer: string) => void, pointer = '#'): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => {
      walk(item, visit, `${pointer}/${index}`);
    });
  } else if (isObject(node)) {
    visit(node, pointer);
    for (const [key, value] of Object.entries(node)) {
      walk(value, visit, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    }
  }
}

interface Operation {
  /** `POST /ledger/customers` */
  name: string;
  method: string;
  operation: Json;
  /** The path item's parameters followed by the operation's, each dereferenced. */
  parameters: Json[];
}

function operationsOf(doc: Json): Operation[] {
  const operations: Operation[] = [];
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const [route, rawItem] of Object.entries(paths)) {
    const item = deref(doc, rawItem);
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const listed = [
        ...(Array.isArray(item.parameters) ? item.parameters : []),
        ...(Array.isArray(operation.parameters) ? operation.parameters : []),
      ];
      operations.push({
        name: `${method.toUpperCase()} ${route}`,
        method,
        operation,
        parameters: listed.map((p) => deref(doc, p)).filter(isObject),
      });
    }
  }
  return operations;
}

/** Runs node with `args` in `cwd`; a hung tsc or journey is killed after 4 minutes. */
const runNode = (args: string[], cwd: string, env: NodeJS.ProcessEnv = childEnv()) =>
  run(process.execPath, args, { cwd, env, timeout: 240_000 });

/**
 * The consumer: a strict TypeScript program over the generated `paths`, with no casts, so it
 * compiles only when the document describes these routes, bodies and responses as they are. It
 * prints what it saw as one JSON line.
 */
const JOURNEY_SOURCE = `import createClient from 'openapi-fetch';
import type { paths } from './ledger-api.js';

declare const process: { env: Record<string, string | undefined> };

const baseUrl = process.env.LEDGER_URL;
const apiKey = process.env.LEDGER_API_KEY;
if (!baseUrl || !apiKey) throw new Error('LEDGER_URL and LEDGER_API_KEY must be set');

const client = createClient<paths>({ baseUrl, headers: { Authorization: \`Bearer \${apiKey}\` } });
const run = Date.now().toString(36);
let keys = 0;
const idempotencyKey = (): string => \`journey-\${run}-\${++keys}\`;
const statuses: number[] = [];
function failed(step: string, status: number, error: unknown): Error {
  return new Error(\`\${step}: HTTP \${status} \${JSON.stringify(error)}\`);
}

const email = \`journey-\${run}@example.com\`;
const created = await client.POST('/ledger/customers', {
  params: { header: { 'Idempotency-Key': idempotencyKey() } },
  body: {
    name: 'Journey Customer',
    email,
    currency: 'USD',
    billing_address: { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' },
    metadata: { source: 'openapi-fetch' },
  },
});
statuses.push(created.response.status);
if (created.data === undefined) throw failed('create', created.response.status, created.error);
const id: string = created.data.id;
const createdBalance: number = created.data.balance.amount;
const createdCurrency: string = created.data.balance.currency;
const postalCode: string | undefined = created.data.billing_address?.postal_code;

const got = await client.GET('/ledger/customers/{id}', { params: { path: { id } } });
statuses.push(got.response.status);
if (got.data === undefined) throw failed('get', got.response.status, got.error);
const gotEmail: string | null = got.data.email; // null only once the customer is erased

const byEmail = await client.GET('/ledger/customers/email/{email}', {
  params: { path: { email } },
});
statuses.push(byEmail.response.status);
if (byEmail.data === undefined) throw failed('get by email', byEmail.response.status, byEmail.error);
const byEmailId: string = byEmail.data.id;

const listed = await client.GET('/ledger/customers', { params: { query: { q: 'Journey' } } });
statuses.push(listed.response.status);
if (listed.data === undefined) throw failed('list', listed.response.status, listed.error);
const listedIds: string[] = listed.data.data.map((customer) => customer.id);
const listedTotal: number = listed.data.pagination.total;

const updated = await client.PUT('/ledger/customers/{id}', {
  params: { path: { id }, header: { 'Idempotency-Key': idempotencyKey() } },
  body: { name: 'Journey Customer Renamed' },
});
statuses.push(updated.response.status);
if (updated.data === undefined) throw failed('update', updated.response.status, updated.error);
const updatedName: string = updated.data.name;

const credited = await client.POST('/ledger/customers/{id}/credit', {
  params: { path: { id }, header: { 'Idempotency-Key': idempotencyKey() } },
  body: { amount: { amount: 10000, currency: 'USD' }, reason: 'openapi-fetch journey' },
});
statuses.push(credited.response.status);
if (credited.data === undefined) throw failed('credit', credited.response.status, credited.error);
const balance: number = credited.data.balance.amount;
const creditApplied: number = credited.data.credit_applied.amount;
const endingBalance: number = credited.data.transaction.ending_balance.amount;

const card = await client.POST('/ledger/customers/{id}/payment-methods', {
  params: { path: { id }, header: { 'Idempotency-Key': idempotencyKey() } },
  body: { token: 'tok_visa' },
});
statuses.push(card.response.status);
if (card.data === undefined) throw failed('add card', card.response.status, card.error);
const cardId: string = card.data.id;
const last4: string = card.data.card.last4;
const brand: string = card.data.card.brand;

const deleted = await client.DELETE('/ledger/customers/{id}', {
  params: { path: { id }, header: { 'Idempotency-Key': idempotencyKey() } },
});
statuses.push(deleted.response.status);

const missing = await client.GET('/ledger/customers/{id}', {
  params: { path: { id: '${UNKNOWN_ID}' } },
});
statuses.push(missing.response.status);
if (missing.error === undefined) throw failed('get unknown', missing.response.status, missing.data);
const notFoundCode: string = missing.error.error.code;
const notFoundIsTyped: boolean = missing.error.error.code === 'customer_not_found';

console.log(
  JSON.stringify({
    statuses,
    id,
    email,
    createdBalance,
    createdCurrency,
    postalCode,
    gotEmail,
    byEmailId,
    listedIds,
    listedTotal,
    updatedName,
    balance,
    creditApplied,
    endingBalance,
    cardId,
    last4,
    brand,
    notFoundCode,
    notFoundIsTyped,
  }),
);
`;

const COMPILER_OPTIONS = {
  strict: true,
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  // openapi-fetch's declarations use fetch's Request/Response/Headers; no @types/node here.
  lib: ['ES2022', 'DOM'],
  types: [],
  noEmit: true,
  skipLibCheck: false,
  noUncheckedIndexedAccess: true,
};

/** What the journey prints. */
interface JourneyResult {
  statuses: number[];
  id: string;
  email: string;
  createdBalance: number;
  createdCurrency: string;
  postalCode: string;
  gotEmail: string;
  byEmailId: string;
  listedIds: string[];
  listedTotal: number;
  updatedName: string;
  balance: number;
  creditApplied: number;
  endingBalance: number;
  cardId: string;
  last4: string;
  brand: string;
  notFoundCode: string;
  notFoundIsTyped: boolean;
}

describe('the OpenAPI document, as outside tools use it', { timeout: 240_000 }, () => {
  let t: TestLedger;
  let doc: Json;
  let operations: Operation[];

  beforeAll(async () => {
    t = await startTestLedger('pglite');
    const res = await t.rest('GET', '/ledger/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = res.body;
    operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(0);
  }, 180_000);

  afterAll(async () => {
    await t?.close();
  });

  it('passes @apidevtools/swagger-parser validation', async () => {
    let failure: string | null = null;
    try {
      await SwaggerParser.validate(structuredClone(doc) as ApiDocument);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    expect(failure, 'SwaggerParser.validate').toBeNull();
  });

  it('has no error-level problem under Redocly’s recommended ruleset', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({
      source: JSON.stringify(doc),
      absoluteRef: `${t.url}/ledger/openapi.json`,
      config,
    });
    const errors = problems
      .filter((problem) => problem.severity === 'error' && !problem.ignored)
      .map(
        (problem) =>
          `${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer ?? '?'}`,
      );
    const shown = errors.slice(0, 100);
    if (errors.length > shown.length) shown.push(`… and ${errors.length - shown.length} more`);
    expect(errors.length, `Redocly recommended errors:\n${shown.join('\n')}`).toBe(0);
  });

  describe('contract', () => {
    it('declares servers', () => {
      expect(Array.isArray(doc.servers), 'servers is an array').toBe(true);
      const servers = (doc.servers as unknown[]).filter(isObject);
      expect(servers.length).toBeGreaterThan(0);
      for (const server of servers) expect(typeof server.url).toBe('string');
    });

    it('gives every operation a unique operationId, a summary and declared tags', () => {
      const declared = new Set(
        (Array.isArray(doc.tags) ? doc.tags : [])
          .filter(isObject)
          .map((tag) => tag.name)
          .filter((name): name is string => typeof name === 'string'),
      );
      const problems: string[] = [];
      const seen = new Map<string, string>();
      for (const { name, operation } of operations) {
        const id = operation.operationId;
        if (typeof id !== 'string' || id === '') problems.push(`${name}: no operationId`);
        else if (seen.has(id)) problems.push(`${name}: operationId ${id} also on ${seen.get(id)}`);
        else seen.set(id, name);
        if (typeof operation.summary !== 'string' || operation.summary.trim() === '') {
          problems.push(`${name}: no summary`);
        }
        const tags = Array.isArray(operation.tags) ? operation.tags : [];
        if (tags.length === 0) problems.push(`${name}: no tags`);
        for (const tag of tags) {
          if (typeof tag !== 'string' || !declared.has(tag)) {
            problems.push(`${name}: tag ${JSON.stringify(tag)} is not in the top-level tags`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('names its schemas: Customer, Money, Invoice, Error with every error code', () => {
      const components = isObject(doc.components) ? doc.components : {};
      const schemas = isObject(components.schemas) ? components.schemas : {};
      const names = Object.keys(schemas);
      expect(names).toEqual(expect.arrayContaining(['Customer', 'Money', 'Invoice', 'Error']));
      expect(
        names.filter((name) => !/^[A-Z][A-Za-z0-9]*$/.test(name)),
        'schema names are PascalCase words',
      ).toEqual([]);

      // `code` sits on the envelope or on its `error` object, inline or as a $ref (ErrorCode).
      const envelope = deref(doc, schemas.Error);
      const properties = (schema: unknown) => {
        const resolved = deref(doc, schema);
        return isObject(resolved) && isObject(resolved.properties) ? resolved.properties : {};
      };
      const codeSchema = deref(
        doc,
        properties(envelope).code ?? properties(properties(envelope).error).code,
      );
      const codes = isObject(codeSchema) && Array.isArray(codeSchema.enum) ? codeSchema.enum : [];
      expect([...codes].sort(), 'the enum of Error’s code').toEqual([...ERROR_CODES].sort());
      if ('ErrorCode' in schemas) {
        const errorCode = deref(doc, schemas.ErrorCode);
        const listed = isObject(errorCode) && Array.isArray(errorCode.enum) ? errorCode.enum : [];
        expect([...listed].sort(), 'ErrorCode').toEqual([...ERROR_CODES].sort());
      }
    });

    it('declares an Idempotency-Key header on every POST, PUT and DELETE', () => {
      const missing = operations
        .filter(({ method }) => MUTATING.has(method))
        .filter(
          ({ parameters }) =>
            !parameters.some(
              (p) =>
                p.in === 'header' &&
                typeof p.name === 'string' &&
                p.name.toLowerCase() === 'idempotency-key',
            ),
        )
        .map(({ name }) => name);
      expect(missing).toEqual([]);
    });

    it('documents 401 and its 4xx responses with the Error envelope', () => {
      const problems: string[] = [];
      for (const { name, operation } of operations) {
        const responses = isObject(operation.responses) ? operation.responses : {};
        const clientErrors = Object.keys(responses).filter((status) => /^4(\d\d|XX)$/.test(status));
        if (clientErrors.length === 0) problems.push(`${name}: no 4xx response`);
        if (!clientErrors.includes('401')) problems.push(`${name}: no 401 response`);
        for (const status of clientErrors) {
          const response = deref(doc, responses[status]);
          const content = isObject(response) && isObject(response.content) ? response.content : {};
          const media = content['application/json'];
          const schema = isObject(media) ? media.schema : undefined;
          if (!isObject(schema) || schema.$ref !== ERROR_REF) {
            problems.push(`${name}: ${status} is not application/json {$ref: ${ERROR_REF}}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('uses no format "starts_with" and no anyOf with an empty schema', () => {
      const problems: string[] = [];
      walk(doc, (node, pointer) => {
        if (node.format === 'starts_with') problems.push(`${pointer}: format "starts_with"`);
        if (
          Array.isArray(node.anyOf) &&
          node.anyOf.some((branch) => isObject(branch) && Object.keys(branch).length === 0)
        ) {
          problems.push(`${pointer}: anyOf with {}`);
        }
      });
      expect(problems).toEqual([]);
    });

    it('has only $refs that resolve within the document', () => {
      const unresolved: string[] = [];
      walk(doc, (node, pointer) => {
        const ref = node.$ref;
        if (typeof ref === 'string' && resolvePointer(doc, ref) === undefined) {
          unresolved.push(`${pointer}: ${ref}`);
        }
      });
      expect(unresolved).toEqual([]);
    });
  });

  describe('typed client', () => {
    let tmp: string | undefined;
    let keep = false;

    afterAll(async () => {
      if (tmp && !keep) await rm(tmp, { recursive: true, force: true });
    });

    it('generates types a strict openapi-fetch journey compiles against and runs with', async () => {
      let types: string;
      try {
        types = astToString(await openapiTS(JSON.stringify(doc)));
      } catch (error) {
        throw new Error(
          `openapi-typescript refused the document: ${error instanceof Error ? error.message : String(error)}`,
        );
      }

      // Outside the repository; kept when this test fails, to read tsc's lines against.
      keep = true;
      tmp = await mkdtemp(path.join(os.tmpdir(), 'ledger-openapi-consumer-'));
      const where = `(project kept at ${tmp})`;
      await mkdir(path.join(tmp, 'node_modules'));
      await symlink(
        await realpath(path.join(serverDir, 'node_modules', 'openapi-fetch')),
        path.join(tmp, 'node_modules', 'openapi-fetch'),
        'dir',
      );
      const files: Record<string, string> = {
        'package.json': JSON.stringify({ name: 'ledger-openapi-consumer', type: 'module' }),
        'tsconfig.json': JSON.stringify({
          compilerOptions: COMPILER_OPTIONS,
          files: ['journey.ts', 'ledger-api.ts'],
        }),
        // A .ts file, not .d.ts, so the generated types are checked whatever skipLibCheck says.
        'ledger-api.ts': types,
        'journey.ts': JOURNEY_SOURCE,
      };
      await writeFiles(tmp, files);

      const compiled = await runNode(
        [tscBin, '--project', 'tsconfig.json', '--strict', '--noEmit', '--pretty', 'false'],
        tmp,
      );
      expect(compiled.code, `tsc ${where}:\n${compiled.stdout}\n${compiled.stderr}`).toBe(0);

      const ran = await runNode(
        [tsxCli, 'journey.ts'],
        tmp,
        childEnv({ LEDGER_URL: t.url, LEDGER_API_KEY: t.keyA }),
      );
      expect(ran.code, `journey ${where}:\n${ran.stdout}\n${ran.stderr}`).toBe(0);
      const line = ran.stdout.trim().split('\n').at(-1) ?? '';
      const journey = JSON.parse(line) as JourneyResult;

      expect(journey.statuses).toEqual([201, 200, 200, 200, 200, 200, 201, 204, 404]);
      expect(journey.id).toMatch(/^cus_/);
      expect(journey).toMatchObject({
        createdBalance: 0,
        createdCurrency: 'USD',
        postalCode: '12345',
        gotEmail: journey.email,
        byEmailId: journey.id,
        updatedName: 'Journey Customer Renamed',
        // Credit is what the customer is owed: it makes the balance negative.
        balance: -10000,
        creditApplied: 10000,
        endingBalance: -10000,
        last4: '4242',
        brand: 'visa',
        notFoundCode: 'customer_not_found',
        notFoundIsTyped: true,
      });
      expect(journey.listedIds).toContain(journey.id);
      expect(journey.listedTotal).toBeGreaterThanOrEqual(1);
      expect(journey.cardId).toMatch(/^pm_/);
      keep = false;
    });
  });
});
