import { LedgerError } from '@ledger/domain';
import { type Context, Hono } from 'hono';
import { type ApiDeps, serviceContext } from '../deps.js';
import { jsonAnswer } from '../http/api-headers.js';
import type { AppEnv } from '../http/env.js';
import { snakeParam, toWire } from './casing.js';
import { errorsOf, isWrite } from './errors-of.js';
import type { FileAnswer, Operation, StreamAnswer } from './operation.js';
import { readBody, readQuery } from './request.js';
import { sendStream } from './stream.js';
import { restSchema } from './wire.js';

/** `/customers/{id}` → `/customers/:id`, as Hono writes a path. */
export function honoPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

/** Refuses a request field that the path already decides, named as the caller wrote it. */
function refuseFromPath(given: object, op: Operation): void {
  for (const field of Object.values(op.pathParams ?? {})) {
    if (field in given) {
      const written = snakeParam([field]);
      throw new LedgerError(
        'invalid_input',
        `Unknown parameter "${written}" (it comes from the path)`,
        {
          paramText: written,
        },
      );
    }
  }
}

/** A body sent to an operation that takes none may only be empty (`{}`). */
function refuseAnyField(given: object): void {
  const [first] = Object.keys(given);
  if (first === undefined) return;
  const written = snakeParam([first]);
  throw new LedgerError('invalid_input', `Unknown parameter "${written}"`, { paramText: written });
}

/** The verb's input from the request: body or query fields, then the path's. */
async function inputOf(c: Context<AppEnv>, op: Operation): Promise<Record<string, unknown>> {
  let given: Record<string, unknown> = {};
  if (op.from === 'body') given = await readBody(c);
  else if (op.from === 'query') given = readQuery(c);
  else if (isWrite(op)) refuseAnyField(await readBody(c));
  refuseFromPath(given, op);
  const input: Record<string, unknown> = { ...given };
  for (const [name, field] of Object.entries(op.pathParams ?? {})) input[field] = c.req.param(name);
  return input;
}

/**
 * An error about a field the path gave, named as the path names it (`id`, not `customer_id`):
 * the declaration says which field each path parameter fills, so the error's own path is
 * translated, and its message rendered for that name.
 */
function namedByPath(error: unknown, op: Operation): unknown {
  if (!(error instanceof LedgerError) || !error.param) return error;
  const [head, ...rest] = error.param;
  const byField = Object.entries(op.pathParams ?? {}).find(([, field]) => field === head);
  if (!byField) return error;
  return new LedgerError(error.code, error.message, {
    param: [byField[0], ...rest],
    details: error.details,
    cause: error,
    ...(error.describe ? { describe: error.describe } : {}),
  });
}

/**
 * In tests (`checkResponses`), an answer that disagrees with its declaration fails loudly: a
 * success body that does not parse with the declared schema, or an error code not declared.
 */
function checkAnswer(op: Operation, body: unknown): void {
  if (!op.output) return;
  const result = restSchema(op.output).safeParse(body);
  if (result.success) return;
  throw new LedgerError(
    'internal_error',
    `The response of ${op.operationId} does not match its declared schema: ${JSON.stringify(result.error.issues)}`,
  );
}

function checkError(op: Operation, error: unknown): void {
  if (error instanceof LedgerError && !errorsOf(op).has(error.code)) {
    throw new LedgerError(
      'internal_error',
      `${op.operationId} answered "${error.code}", which its declaration does not list`,
      { cause: error },
    );
  }
}

function isFileAnswer(value: unknown): value is FileAnswer {
  if (typeof value !== 'object' || value === null) return false;
  const { bytes, filename } = value as Record<string, unknown>;
  return bytes instanceof Uint8Array && typeof filename === 'string';
}

/** A quoted-string file name for `Content-Disposition`: printable ASCII, no quote or backslash. */
function quotedFilename(name: string): string {
  return name.replace(/[^\x20-\x7e]|["\\]/g, '_');
}

/**
 * A file answer: the bytes in the declared media type, shown in the browser (`inline`) under
 * its name, and kept by no cache (`private, no-store`: it is one tenant's document).
 */
function sendFile(c: Context<AppEnv>, op: Operation, result: unknown): Response {
  if (!isFileAnswer(result) || !op.produces) {
    throw new LedgerError('internal_error', `${op.operationId} did not give a file to send`);
  }
  return c.body(result.bytes as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': op.produces,
    'Content-Disposition': `inline; filename="${quotedFilename(result.filename)}"`,
    'Cache-Control': 'private, no-store',
  });
}

/** Options of the REST routes. */
export interface MountOptions {
  /** Check every answer against its declaration (tests). */
  checkResponses?: boolean;
}

/** The Hono routes of the declared operations, under the app they are mounted on. */
export function mountOperations(
  operations: readonly Operation[],
  deps: ApiDeps,
  options: MountOptions = {},
): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  for (const op of operations) {
    routes.on(op.method.toUpperCase(), honoPath(op.path), async (c) => {
      let result: unknown;
      try {
        result = await op.run(
          serviceContext(deps, c.get('scope'), c.get('store')),
          await inputOf(c, op),
        );
      } catch (error) {
        if (options.checkResponses) checkError(op, error);
        throw namedByPath(error, op);
      }
      if (op.streamed) {
        const check = options.checkResponses ?? false;
        return sendStream(c, op, result as StreamAnswer, { check, logger: deps.logger });
      }
      if (op.produces) return sendFile(c, op, result);
      if (op.status === 204) return c.body(null, 204);
      const body = toWire(result);
      if (options.checkResponses) checkAnswer(op, body);
      return jsonAnswer(c, body, op.status);
    });
  }
  return routes;
}
