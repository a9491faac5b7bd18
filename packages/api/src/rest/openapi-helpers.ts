import { z } from 'zod';
import { ErrorObject } from './wire-schemas.js';

/** A JSON Schema or OpenAPI fragment. */
export type JsonSchema = Record<string, unknown>;
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

export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  const { $schema: _ignored, ...rest } = snakeSchema(generated) as JsonSchema;
  return rest;
}

export function queryParameters(schema: z.ZodObject): JsonSchema[] {
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

export const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

export function json(schema: z.ZodType, io: 'input' | 'output' = 'output') {
  return { content: { 'application/json': { schema: jsonSchema(schema, io) } } };
}

const errors = {
  default: { description: 'Error envelope (see REST.md "Errors")', ...json(ErrorObject) },
};

export function operation(
  summary: string,
  responses: Record<string, unknown>,
  extra: JsonSchema = {},
) {
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

export function withId(extra: JsonSchema = {}): JsonSchema {
  return { ...extra, parameters: [idParameter, ...((extra.parameters as JsonSchema[]) ?? [])] };
}
