import type { LedgerError } from '@ledger/domain';
import type { Context } from 'hono';
import type { GetConnInfo } from 'hono/conninfo';
import { setAnswerHeader } from './api-headers.js';

/**
 * The budgets an API key spends, each counted on its own so that a burst of one kind never
 * starves another: reads (REST `GET`, tRPC queries), writes (other methods, tRPC mutations) and
 * usage ingest (the operations that report usage, which a metered product calls far more often).
 */
export type Budget = 'reads' | 'writes' | 'ingest';

/** One budget: at most `points` requests in a fixed window of `duration` seconds per key. */
export interface RateLimit {
  points: number;
  /** The window in whole seconds; it starts with a key's first request and then runs out. */
  duration: number;
}

/** Every budget Ledger enforces; `null` turns one off. */
export interface RateLimits {
  reads: RateLimit | null;
  writes: RateLimit | null;
  ingest: RateLimit | null;
  /** Failed authentications (401) per client address, counted before any key is known. */
  authFailures: RateLimit | null;
}

/** No limits at all: an app created without `rateLimits`. */
export const NO_RATE_LIMITS: RateLimits = {
  reads: null,
  writes: null,
  ingest: null,
  authFailures: null,
};

/**
 * A request counted against a budget: the headers its answer carries about that budget
 * (`RateLimit-*`, and `Retry-After` when refused), the requests left, and the `rate_limited`
 * refusal when the budget was already spent.
 */
export interface RateLimitOutcome {
  headers: Record<string, string>;
  remaining: number;
  refusal?: LedgerError;
}

/**
 * The limiter both doors count requests with. Each method answers `null` when its budget is off
 * (and, should the limiter itself fail, rather than refusing the request: see `createRateLimiter`).
 */
export interface RateLimiter {
  /** Counts one request of `budget` for the API key. */
  spend(budget: Budget, apiKeyId: string): Promise<RateLimitOutcome | null>;
  /** The refusal of a client address whose failed authentications are spent; null otherwise. */
  refuseAddress(address: string): Promise<RateLimitOutcome | null>;
  /** Counts one failed authentication of the client address. */
  countFailure(address: string): Promise<RateLimitOutcome | null>;
}

/** The budget of a call: the one its operation declares, else reads or writes by its kind. */
export function budgetOf(write: boolean, declared?: Budget): Budget {
  return declared ?? (write ? 'writes' : 'reads');
}

/**
 * A client address as a budget key. An IPv4 address stands for itself (also when written as
 * IPv6, `::ffff:192.0.2.1`); an IPv6 address for its /64, which one subscriber is usually given
 * whole, so that walking through its addresses does not buy more attempts. Without an address
 * (an app not served by the Node adapter) every client shares `unknown`.
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const plain = address.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  if (mapped?.[1]) return mapped[1];
  if (!plain.includes(':')) return plain;
  const [head = '', tail] = plain.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [
          ...left,
          ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'),
          ...right,
        ];
  const prefix = groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, ''));
  return `${prefix.join(':')}::/64`;
}

/**
 * How a door finds the client address of a request: the socket's peer, from the adapter's
 * `getConnInfo`. Forwarded headers are not read, so no client can choose its own address; behind
 * a proxy every client is the proxy (docs/configuration.md says what to set then).
 */
export function clientAddressOf(connInfo: GetConnInfo | undefined): (c: Context) => string {
  return (c) => {
    if (!connInfo) return clientKey(undefined);
    try {
      return clientKey(connInfo(c).remote.address);
    } catch {
      // Not served by the adapter that `connInfo` reads (no socket): no address.
      return clientKey(undefined);
    }
  };
}

/** Sets an outcome's headers on a Hono answer, before it is made or after (`setAnswerHeader`). */
export function showRateLimit(c: Context, outcome: RateLimitOutcome): void {
  for (const [name, value] of Object.entries(outcome.headers)) setAnswerHeader(c, name, value);
}
