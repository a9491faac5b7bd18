import { ERROR_CODES, type ErrorCode, JsonValueSchema } from '@ledger/domain';
import { z } from 'zod';
import { ERROR_TABLE, type ErrorType } from '../errors/status-table.js';
import { toSnake } from './casing.js';
import { errorsOf, isWrite } from './errors-of.js';
import { type Operation, type StreamDeclaration, TAGS } from './operation.js';
import { OPERATIONS } from './operations/index.js';
import { NDJSON } from './stream.js';
import { componentName, namedComponents, restSchema } from './wire.js';

/** A JSON Schema or OpenAPI fragment. */
export type JsonObject = { [key: string]: unknown };

const ERROR_TYPES = [...new Set(Object.values(ERROR_TABLE).map((row) => row.type))] as [
  ErrorType,
  ...ErrorType[],
];

/** The error envelope of every failure (the same for every operation). */
export const ErrorObject = z.strictObject({
  error: z.strictObject({
    type: z.enum(ERROR_TYPES),
    code: z.enum(ERROR_CODES),
    message: z.string(),
    param: z.string().nullable().meta({
      description: 'The parameter at fault as the caller wrote it (`billing_address.country`)',
    }),
    details: z.record(z.string(), z.unknown()),
    request_id: z.string(),
  }),
});

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request',
  401: 'Missing, unknown or revoked API key',
  402: 'The payment processor declined',
  403: 'Not allowed',
  404: 'Not found (also for ids of another tenant)',
  409: 'Conflict',
  413: 'Body over 1 MiB',
  431: 'Request line and headers over 32 KiB',
  429: 'Too many requests',
  500: 'Internal error (never a stack trace or SQL text)',
  502: 'The payment processor failed',
  504: 'The payment processor did not answer in time',
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * One line of a streamed answer's NDJSON alternative: `{kind, data}`, `data` the section's
 * component (each section's element schema is a named REST object).
 */
function streamLineSchema(streamed: StreamDeclaration): JsonObject {
  return {
    description: 'One record a line, the customer first, then each section in creation order.',
    oneOf: streamed.sections.map((section) => ({
      type: 'object',
      required: ['kind', 'data'],
      additionalProperties: false,
      properties: {
        kind: { const: section.kind },
        data: ref(componentName(restSchema(section.schema)) ?? section.kind),
      },
    })),
  };
}

/** Names each schema the document needs, so one generation pass makes all components. */
function registryOf(operations: readonly Operation[]) {
  const registry = z.registry<{ id: string }>();
  const add = (schema: z.ZodType, id: string) => {
    if (!registry.has(schema)) registry.add(schema, { id });
  };
  add(JsonValueSchema, 'JsonValue');
  add(ErrorObject.shape.error.shape.code, 'ErrorCode');
  add(ErrorObject.shape.error.shape.type, 'ErrorType');
  add(ErrorObject, 'Error');
  for (const op of operations) {
    if (op.output) {
      const schema = restSchema(op.output);
      add(schema, componentName(schema) ?? `${capital(op.operationId)}Response`);
    }
    const fields = ownFields(op);
    if (fields)
      add(fields, `${capital(op.operationId)}${op.from === 'body' ? 'Request' : 'Query'}`);
  }
  for (const [schema, name] of namedComponents()) add(schema, name);
  return registry;
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The verb's input fields the body or query carries: the input without the path's fields. */
function ownFields(op: Operation): z.ZodObject | undefined {
  if (op.from === 'none' || !(op.input instanceof z.ZodObject)) return undefined;
  const fromPath = new Set(Object.values(op.pathParams ?? {}));
  const shape = Object.fromEntries(
    Object.entries(op.input.shape as Record<string, z.ZodType>).filter(
      ([name]) => !fromPath.has(name),
    ),
  );
  return z.strictObject(shape);
}

/** JSON Schema as REST callers write it: property names in snake_case. */
function snakeCased(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(snakeCased);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as JsonObject).map(([name, inner]) => [
          toSnake(name),
          snakeCased(inner),
        ]),
      );
    } else if (key === 'required') {
      out.required = (value as string[]).map(toSnake);
    } else {
      out[key] = snakeCased(value);
    }
  }
  return out;
}

/**
 * A timestamp input is a `Date` (tRPC) or an ISO string (REST): over REST only the string
 * exists, so the union's members all say `date-time` and fold into one.
 */
function foldTimestamps(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(foldTimestamps);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) out[key] = foldTimestamps(value);
  // zod spells formats out as long patterns too; the format alone says it, and reads better.
  if (out.format === 'date-time' || out.format === 'email') delete out.pattern;
  const anyOf = out.anyOf;
  if (
    Array.isArray(anyOf) &&
    anyOf.length > 0 &&
    anyOf.every((member: JsonObject) => member.type === 'string' && member.format === 'date-time')
  ) {
    delete out.anyOf;
    return { ...out, type: 'string', format: 'date-time' };
  }
  return out;
}

/**
 * A request body's defaults, said in the description instead of `default`: code generators
 * (openapi-typescript's default `defaultNonNullable`) make a property with a `default` required,
 * so a generated client could not leave out `make_default`, which the server defaults.
 */
function defaultsInWords(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(defaultsInWords);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key !== 'default') out[key] = defaultsInWords(value);
  }
  if ('default' in schema) {
    const said = `Default: \`${JSON.stringify((schema as JsonObject).default)}\`.`;
    out.description = out.description ? `${out.description} ${said}` : said;
  }
  return out;
}

function generateComponents(operations: readonly Operation[]): Record<string, JsonObject> {
  const registry = registryOf(operations);
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema._zod.def.type === 'date')
        Object.assign(jsonSchema, { type: 'string', format: 'date-time' });
    },
  });
  const out: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const {
      $schema: _dialect,
      $id: _id,
      ...rest
    } = foldTimestamps(snakeCased(schema)) as JsonObject;
    out[id] = id.endsWith('Request') ? (defaultsInWords(rest) as JsonObject) : rest;
  }
  // A metadata value is any JSON value. Spelled out it refers to itself, which generated
  // clients cannot type (openapi-typescript emits a type alias that circles), so say it plainly.
  out.JsonValue = { description: 'Any JSON value' };
  return out;
}

/** The query parameters of an operation: one per field of its query object. */
function queryParameters(query: JsonObject | undefined): JsonObject[] {
  if (!query) return [];
  const required = new Set((query.required as string[] | undefined) ?? []);
  return Object.entries((query.properties as Record<string, JsonObject>) ?? {}).map(
    ([name, schema]) =>
      name === 'metadata'
        ? {
            name,
            in: 'query',
            style: 'deepObject',
            explode: true,
            description:
              'Metadata equality filter: `metadata[key]=value`, repeat for several keys.',
            schema,
          }
        : { name, in: 'query', required: required.has(name), schema },
  );
}

function pathParameters(op: Operation): JsonObject[] {
  const shape =
    op.input instanceof z.ZodObject ? (op.input.shape as Record<string, z.ZodType>) : {};
  return Object.entries(op.pathParams ?? {}).map(([name, field]) => {
    const inner = shape[field];
    const schema = inner
      ? (z.toJSONSchema(inner, { io: 'input', unrepresentable: 'any' }) as JsonObject)
      : { type: 'string' };
    const { $schema: _dialect, ...rest } = schema;
    return { name, in: 'path', required: true, schema: rest };
  });
}

/** Statuses whose one code is the same for every operation: shared under `components.responses`. */
const SHARED_RESPONSES: Partial<Record<number, string>> = {
  401: 'Unauthenticated',
  413: 'BodyTooLarge',
  429: 'RateLimited',
  500: 'InternalError',
};

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** The headers of an answer counted against a rate limit budget (see docs/rest.md). */
const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': header('RateLimitLimit'),
  'RateLimit-Remaining': header('RateLimitRemaining'),
  'RateLimit-Reset': header('RateLimitReset'),
  'RateLimit-Policy': header('RateLimitPolicy'),
};

/** Headers an error response carries beside `X-Request-Id`, by status. */
const ERROR_HEADERS: Partial<Record<number, JsonObject>> = {
  429: { 'Retry-After': header('RetryAfter'), ...RATE_LIMIT_HEADERS },
};

function errorResponse(status: number, codes: readonly ErrorCode[]): JsonObject {
  return {
    description: `${STATUS_TEXT[status] ?? 'Error'}: ${codes.map((code) => `\`${code}\``).join(', ')}`,
    headers: { 'X-Request-Id': header('RequestId'), ...ERROR_HEADERS[status] },
    content: { 'application/json': { schema: ref('Error') } },
  };
}

/** The shared error responses, by name. */
function sharedResponses(): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const [status, name] of Object.entries(SHARED_RESPONSES)) {
    const codes = ERROR_CODES.filter((code) => ERROR_TABLE[code].status === Number(status));
    if (name) out[name] = errorResponse(Number(status), codes);
  }
  return out;
}

/** The error responses of an operation: one per status, listing the codes behind it. */
function errorResponses(op: Operation): Record<string, JsonObject> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorsOf(op)) {
    const { status } = ERROR_TABLE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, JsonObject> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const shared = SHARED_RESPONSES[status];
    out[String(status)] = shared
      ? { $ref: `#/components/responses/${shared}` }
      : errorResponse(status, codes);
  }
  return out;
}

function operationEntry(op: Operation, components: Record<string, JsonObject>): JsonObject {
  const base = capital(op.operationId);
  const fields = components[`${base}${op.from === 'body' ? 'Request' : 'Query'}`];
  const parameters: JsonObject[] = [...pathParameters(op)];
  if (op.from === 'query') {
    parameters.push(...queryParameters(fields));
    delete components[`${base}Query`];
  }
  if (isWrite(op)) parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
  const entry: JsonObject = {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    parameters,
  };
  const bodyProperties = Object.keys((fields?.properties as JsonObject | undefined) ?? {});
  if (op.from === 'body' && fields && bodyProperties.length > 0) {
    entry.requestBody = {
      required: ((fields.required as string[] | undefined) ?? []).length > 0,
      content: { 'application/json': { schema: ref(`${base}Request`) } },
    };
  } else if (op.from === 'body') {
    delete components[`${base}Request`];
  }
  const success: JsonObject = {
    description: op.summary,
    headers: { 'X-Request-Id': header('RequestId'), ...RATE_LIMIT_HEADERS },
  };
  if (op.produces) {
    success.headers = {
      ...(success.headers as JsonObject),
      'Content-Disposition': header('ContentDisposition'),
    };
    success.content = { [op.produces]: { schema: { type: 'string', format: 'binary' } } };
  } else if (op.output) {
    const schema = restSchema(op.output);
    const name = componentName(schema) ?? `${base}Response`;
    success.content = { 'application/json': { schema: ref(name) } };
    if (op.streamed) {
      success.headers = {
        ...(success.headers as JsonObject),
        'Content-Disposition': header('ContentDisposition'),
      };
      success.content = {
        ...(success.content as JsonObject),
        [NDJSON]: { schema: streamLineSchema(op.streamed) },
      };
    }
  }
  entry.responses = { [String(op.status)]: success, ...errorResponses(op) };
  return entry;
}

/**
 * Builds the OpenAPI 3.1 document of the declared operations: every path, parameter, body and
 * response from the declarations, every schema once under `components.schemas`. `servers` is
 * filled per request by the route that serves it.
 */
export function buildOpenApiDocument(operations: readonly Operation[] = OPERATIONS): JsonObject {
  const components = generateComponents(operations);
  const paths: Record<string, JsonObject> = {};
  for (const op of operations) {
    const path = `/ledger${op.path}`;
    paths[path] = { ...paths[path], [op.method]: operationEntry(op, components) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ledger REST API',
      version: '0.1.0',
      description:
        'Billing for SaaS products: customers, balances, payment methods, plans, subscriptions, usage, invoices and payments. JSON with snake_case keys; money in integer minor units.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: 'http://127.0.0.1:3000', description: 'A local Ledger' }],
    security: [{ bearer: [] }, { apiKey: [] }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: components,
      responses: sharedResponses(),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key: `ldg_sk_…`' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Within 24 h and one scope, the same key with the same body replays the first response (`Idempotent-Replayed: true`); with another body it is `409 idempotency_key_reused`.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      },
      headers: {
        RequestId: {
          description: 'The request id, taken from the request or generated; errors carry it too.',
          schema: { type: 'string' },
        },
        ContentDisposition: {
          description:
            'How a file answer is shown, with the name to save it under: `inline` for a PDF (`inline; filename="invoice-INV-000001.pdf"`), `attachment` for an export (`attachment; filename="cus_…-export.json"`).',
          schema: { type: 'string' },
        },
        RetryAfter: {
          description: 'Whole seconds (at least 1) until the spent budget has room again.',
          schema: { type: 'integer', minimum: 1 },
        },
        RateLimitLimit: {
          description:
            'Requests the budget this answer was counted against allows per window (reads, writes or usage ingest of the API key). Absent when that budget is off.',
          schema: { type: 'integer', minimum: 1 },
        },
        RateLimitRemaining: {
          description: 'Requests left in the current window of that budget.',
          schema: { type: 'integer', minimum: 0 },
        },
        RateLimitReset: {
          description: 'Whole seconds until the current window of that budget ends.',
          schema: { type: 'integer', minimum: 1 },
        },
        RateLimitPolicy: {
          description: 'The budget as `limit;w=window seconds`, e.g. `100;w=1`.',
          schema: { type: 'string' },
        },
      },
    },
  };
}

let cached: JsonObject | undefined;

/** The document of Ledger's own operations, built once. */
export function openApiDocument(): JsonObject {
  cached ??= buildOpenApiDocument();
  return cached;
}
