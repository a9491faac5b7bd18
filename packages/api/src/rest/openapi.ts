import {
  AddCreditInput,
  CreateCustomerInput,
  ListBalanceTransactionsInput,
  ListCustomersInput,
  UpdateCustomerInput,
} from '@ledger/domain';
import { z } from 'zod';
import {
  BalanceTransactionObject,
  CreditResultObject,
  CustomerObject,
  ErrorObject,
  listObject,
} from './wire-schemas.js';

type JsonSchema = Record<string, unknown>;
const toSnake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Renames a JSON Schema's properties to snake_case, as REST callers write them. */
function snakeSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(snakeSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as JsonSchema).map(([name, inner]) => [
          toSnake(name),
          snakeSchema(inner),
        ]),
      );
    } else if (key === 'required') {
      out.required = (value as string[]).map(toSnake);
    } else {
      out[key] = snakeSchema(value);
    }
  }
  return out;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  const { $schema: _ignored, ...rest } = snakeSchema(generated) as JsonSchema;
  return rest;
}

function queryParameters(schema: z.ZodObject): JsonSchema[] {
  return Object.entries(schema.shape).map(([name, field]) =>
    name === 'metadata'
      ? {
          name: 'metadata[key]',
          in: 'query',
          description: 'Metadata equality filter; repeat for several keys.',
          schema: { type: 'string' },
        }
      : { name: toSnake(name), in: 'query', schema: jsonSchema(field as z.ZodType) },
  );
}

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

function json(schema: z.ZodType, io: 'input' | 'output' = 'output') {
  return { content: { 'application/json': { schema: jsonSchema(schema, io) } } };
}

const errors = {
  default: { description: 'Error envelope (see REST.md "Errors")', ...json(ErrorObject) },
};

function operation(summary: string, responses: Record<string, unknown>, extra: JsonSchema = {}) {
  return {
    summary,
    security: [{ bearer: [] }, { apiKey: [] }],
    parameters: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: 255 },
      },
    ],
    ...extra,
    responses: { ...responses, ...errors },
  };
}

function withId(extra: JsonSchema = {}): JsonSchema {
  return { ...extra, parameters: [idParameter, ...((extra.parameters as JsonSchema[]) ?? [])] };
}

let cached: JsonSchema | undefined;

/**
 * The OpenAPI 3.1 document of the REST shim. Request bodies and query parameters come from the
 * verbs' own zod schemas, responses from the wire schemas the tests check responses against.
 */
export function openApiDocument(): JsonSchema {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Ledger REST API', version: '0.1.0' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    paths: {
      '/ledger/customers': {
        post: operation(
          'Create a customer',
          { 201: { description: 'Customer', ...json(CustomerObject) } },
          {
            requestBody: { required: true, ...json(CreateCustomerInput, 'input') },
          },
        ),
        get: operation(
          'List customers',
          { 200: { description: 'Page of customers', ...json(listObject(CustomerObject)) } },
          {
            parameters: queryParameters(ListCustomersInput),
          },
        ),
      },
      '/ledger/customers/email/{email}': {
        get: operation(
          'Get a customer by email',
          { 200: { description: 'Customer', ...json(CustomerObject) } },
          {
            parameters: [{ name: 'email', in: 'path', required: true, schema: { type: 'string' } }],
          },
        ),
      },
      '/ledger/customers/{id}': {
        get: operation(
          'Get a customer',
          { 200: { description: 'Customer', ...json(CustomerObject) } },
          withId(),
        ),
        put: operation(
          'Update a customer',
          { 200: { description: 'Customer', ...json(CustomerObject) } },
          withId({
            requestBody: {
              required: true,
              ...json(UpdateCustomerInput.omit({ id: true }), 'input'),
            },
          }),
        ),
        delete: operation(
          'Delete a customer (soft)',
          { 204: { description: 'Deleted' } },
          withId(),
        ),
      },
      '/ledger/customers/{id}/credit': {
        post: operation(
          'Add account credit',
          { 200: { description: 'Credit result', ...json(CreditResultObject) } },
          withId({
            requestBody: {
              required: true,
              ...json(AddCreditInput.omit({ customerId: true }), 'input'),
            },
          }),
        ),
      },
      '/ledger/customers/{id}/balance-transactions': {
        get: operation(
          'List balance transactions',
          {
            200: {
              description: 'Page of balance transactions',
              ...json(listObject(BalanceTransactionObject)),
            },
          },
          withId({
            // zod refuses .omit() on a refined object; rebuild it from the shape first.
            parameters: queryParameters(
              z.object(ListBalanceTransactionsInput.shape).omit({ customerId: true }),
            ),
          }),
        ),
      },
    },
  };
  return cached;
}
