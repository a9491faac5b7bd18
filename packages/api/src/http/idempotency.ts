import { type IdempotencyStore, LedgerError, MAX_INPUT_DEPTH } from '@ledger/domain';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/** How long a key is remembered, and how long a running request holds it. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const IN_PROGRESS_LEASE_MS = 5 * 60 * 1000;
const KEPT_HEADERS = ['content-type', 'location'];

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
function parametersOf(body: string): string {
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

/** Stripe's rule: a request that failed validation, or failed on our side, is not remembered. */
function isRemembered(status: number): boolean {
  return status !== 400 && status !== 413 && status < 500;
}

/**
 * `Idempotency-Key` for POST, PUT and DELETE, per scope, for 24 hours: the same key and body
 * replay the first response byte for byte (`Idempotent-Replayed: true`); another body is
 * `idempotency_key_reused`; a repeat while the first still runs is `idempotency_key_in_use`.
 * Records live in the database, so this holds across server processes.
 */
export function idempotency(
  store: IdempotencyStore,
  now: () => Date = () => new Date(),
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header('Idempotency-Key');
    if (key === undefined || !['POST', 'PUT', 'DELETE'].includes(c.req.method)) return next();
    if (key.length < 1 || key.length > 255) {
      throw new LedgerError('invalid_input', 'Idempotency-Key must be 1 to 255 characters', {
        param: ['Idempotency-Key'],
      });
    }
    const scope = c.get('scope');
    const url = new URL(c.req.url);
    const requestHash = await sha256(
      `${c.req.method} ${url.pathname}${url.search}\n${parametersOf(await c.req.text())}`,
    );
    const at = now();
    const reservation = await store.reserveIdempotencyKey(scope, {
      key,
      requestHash,
      now: at,
      expiredBefore: new Date(at.getTime() - IDEMPOTENCY_WINDOW_MS),
      lockedUntil: new Date(at.getTime() + IN_PROGRESS_LEASE_MS),
    });
    if (!reservation.reserved) {
      const { record } = reservation;
      if (record.requestHash !== requestHash) {
        throw new LedgerError(
          'idempotency_key_reused',
          'This Idempotency-Key was used with a different request',
          {
            param: ['Idempotency-Key'],
          },
        );
      }
      if (!record.response) {
        throw new LedgerError(
          'idempotency_key_in_use',
          'A request with this Idempotency-Key is still running',
          {
            param: ['Idempotency-Key'],
          },
        );
      }
      const { status, headers, body } = record.response;
      return new Response(status === 204 ? null : body, {
        status,
        headers: { ...headers, 'Idempotent-Replayed': 'true' },
      });
    }
    try {
      await next();
    } catch (error) {
      await store.releaseIdempotencyKey(scope, key);
      throw error;
    }
    const response = c.res;
    if (!isRemembered(response.status)) {
      await store.releaseIdempotencyKey(scope, key);
      return;
    }
    const body = await response.clone().text();
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    await store.completeIdempotencyKey(scope, key, { status: response.status, headers, body });
  };
}
