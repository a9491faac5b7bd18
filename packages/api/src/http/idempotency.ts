import {
  type IdempotencyStore,
  LedgerError,
  MAX_INPUT_DEPTH,
  type Scope,
  type StoredResponse,
} from '@ledger/domain';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/** How long a key is remembered, and how long a running request holds it. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const IN_PROGRESS_LEASE_MS = 5 * 60 * 1000;
const KEPT_HEADERS = ['content-type', 'location'];

/** The response header that marks an answer as a replay of the first one. */
export const IDEMPOTENT_REPLAYED = 'Idempotent-Replayed';

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Buffer.from(digest).toString('hex');
}

/** Nesting `canonical` will not recurse into (the verb refuses such a body anyway). */
class TooDeep extends Error {}

/** JSON with object keys sorted, so the same parameters always give the same text. */
function canonical(value: unknown, depth = 0): string {
  if (value && typeof value === 'object' && depth >= MAX_INPUT_DEPTH) throw new TooDeep();
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v, depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What identifies a request's parameters: a JSON body compares by its parameters (key order and
 * whitespace do not matter, as with Stripe), anything else, or a body nested too deep to sort
 * safely, by its exact text.
 */
export function parametersOf(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  try {
    return canonical(parsed);
  } catch (error) {
    if (error instanceof TooDeep || error instanceof RangeError) return body;
    throw error;
  }
}

/**
 * The same for parameters that arrive parsed (a tRPC call's input in its JSON form): compared
 * by value; nested too deep to sort, by their plain JSON text. The caller bounds the depth first
 * (tRPC checks the input's shape), so neither walk can exhaust the stack.
 */
export function parametersOfValue(json: unknown): string {
  try {
    return canonical(json);
  } catch (error) {
    if (error instanceof TooDeep) return JSON.stringify(json);
    throw error;
  }
}

/** Stripe's rule: a request that failed validation, or failed on our side, is not remembered. */
function isRemembered(status: number): boolean {
  return status !== 400 && status !== 413 && status < 500;
}

/** One request that carries `Idempotency-Key`, as either door describes it. */
export interface IdempotentRequest {
  scope: Scope;
  /** The `Idempotency-Key` header as sent. */
  key: string;
  /**
   * What the request is and its parameters, e.g. `POST /ledger/customers\n{…}` (see
   * `parametersOf`); only its hash is stored. Called once the key is known to be valid.
   */
  fingerprint: () => Promise<string> | string;
}

/** How an idempotent request ended: the first answer replayed, or the request really ran. */
export type IdempotentOutcome<T> = { replayed: StoredResponse } | { ran: T };

/**
 * The one idempotency rule, shared by REST's middleware and tRPC's: per scope, for 24 hours, the
 * same key and parameters replay the first answer (the caller renders `replayed`); another
 * request under the key is `idempotency_key_reused`; a repeat while the first still runs is
 * `idempotency_key_in_use`. Otherwise `run` runs under the reservation and `record` says what it
 * answered: kept when Stripe's rule remembers its status, forgotten (and the key freed) when not
 * or when `run` throws. Records live in the database, so this holds across server processes.
 */
export async function runIdempotently<T>(
  store: IdempotencyStore,
  now: () => Date,
  request: IdempotentRequest,
  run: () => Promise<T>,
  record: (outcome: T) => Promise<StoredResponse> | StoredResponse,
): Promise<IdempotentOutcome<T>> {
  const { scope, key } = request;
  if (key.length < 1 || key.length > 255) {
    throw new LedgerError('invalid_input', 'Idempotency-Key must be 1 to 255 characters', {
      param: ['Idempotency-Key'],
    });
  }
  const requestHash = await sha256(await request.fingerprint());
  const at = now();
  const reservation = await store.reserveIdempotencyKey(scope, {
    key,
    requestHash,
    now: at,
    expiredBefore: new Date(at.getTime() - IDEMPOTENCY_WINDOW_MS),
    lockedUntil: new Date(at.getTime() + IN_PROGRESS_LEASE_MS),
  });
  if (!reservation.reserved) {
    const { record: existing } = reservation;
    if (existing.requestHash !== requestHash) {
      throw new LedgerError(
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request',
        { param: ['Idempotency-Key'] },
      );
    }
    if (!existing.response) {
      throw new LedgerError(
        'idempotency_key_in_use',
        'A request with this Idempotency-Key is still running',
        { param: ['Idempotency-Key'] },
      );
    }
    return { replayed: existing.response };
  }
  let outcome: T;
  let response: StoredResponse;
  try {
    outcome = await run();
    response = await record(outcome);
  } catch (error) {
    await store.releaseIdempotencyKey(scope, key);
    throw error;
  }
  if (isRemembered(response.status)) await store.completeIdempotencyKey(scope, key, response);
  else await store.releaseIdempotencyKey(scope, key);
  return { ran: outcome };
}

/**
 * `Idempotency-Key` for REST's POST, PUT and DELETE (see `runIdempotently`): the first response
 * is stored with its status, `Content-Type` and `Location`, and replayed byte for byte with
 * `Idempotent-Replayed: true`.
 */
export function idempotency(
  store: IdempotencyStore,
  now: () => Date = () => new Date(),
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header('Idempotency-Key');
    if (key === undefined || !['POST', 'PUT', 'DELETE'].includes(c.req.method)) return next();
    const outcome = await runIdempotently(
      store,
      now,
      {
        scope: c.get('scope'),
        key,
        fingerprint: async () => {
          const url = new URL(c.req.url);
          return `${c.req.method} ${url.pathname}${url.search}\n${parametersOf(await c.req.text())}`;
        },
      },
      async () => {
        await next();
        return c.res;
      },
      async (response) => {
        const headers: Record<string, string> = {};
        for (const name of KEPT_HEADERS) {
          const value = response.headers.get(name);
          if (value !== null) headers[name] = value;
        }
        return { status: response.status, headers, body: await response.clone().text() };
      },
    );
    if ('replayed' in outcome) {
      const { status, headers, body } = outcome.replayed;
      return new Response(status === 204 ? null : body, {
        status,
        headers: { ...headers, [IDEMPOTENT_REPLAYED]: 'true' },
      });
    }
  };
}
