import { createRequire } from 'node:module';
import { LedgerError, type Logger } from '@ledger/domain';
import type {
  RateLimiterMemory as Memory,
  RateLimiterAbstract,
  RateLimiterRes as Res,
} from 'rate-limiter-flexible';
import type { Budget, RateLimit, RateLimiter, RateLimitOutcome, RateLimits } from './rate-limit.js';

// Each class from its own module: the package's index also loads every store it supports
// (Redis, Mongo, DynamoDB and 20 more, some 40 ms of every start). The types are the package's.
const load = createRequire(import.meta.url);
const RateLimiterMemory: typeof Memory = load('rate-limiter-flexible/lib/RateLimiterMemory.js');
const RateLimiterRes: typeof Res = load('rate-limiter-flexible/lib/RateLimiterRes.js');
type RateLimiterRes = Res;

/**
 * What a shared limiter is made from: one budget, and the in-memory limiter that answers while
 * its store cannot (rate-limiter-flexible's `insuranceLimiter`).
 */
export interface SharedLimiterOptions {
  keyPrefix: string;
  points: number;
  duration: number;
  insuranceLimiter: RateLimiterAbstract;
}

/**
 * The port of a store every server process shares (the db package implements it on
 * PostgreSQL): it makes the limiter of one budget, counted there, so N processes spend one
 * budget. Without one, each process counts in its own memory.
 */
export type SharedLimiterFactory = (options: SharedLimiterOptions) => RateLimiterAbstract;

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  shared?: SharedLimiterFactory | undefined;
  /** Where a limiter failure is reported (the request it happened on is let through). */
  logger?: Logger | undefined;
  /** The clock of {@link ADDRESS_CLEAR_MS} (tests move it); `Date.now` by default. */
  now?: () => number;
}

/**
 * How long an address read as not refused stays so for this process without reading the store
 * again: at most this long after another process spends an address's failed-authentication
 * budget, this one still lets that address's right key through. A failure this process counts
 * forgets the address at once. Without it every authenticated request read the store once more.
 */
export const ADDRESS_CLEAR_MS = 1_000;

/** Addresses remembered as not refused, at most; the oldest go first. */
const CLEAR_ADDRESSES_MAX = 10_000;

/** The budget names in messages, details and key prefixes. */
type Counted = Budget | 'auth_failures';

/** One budget's limit and the limiter that counts it. */
interface Counter {
  name: Counted;
  limit: RateLimit;
  limiter: RateLimiterAbstract;
}

/** Whole seconds until `ms` have passed: what `Retry-After` and `RateLimit-Reset` say. */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * The headers of a counted request: the IETF draft's `RateLimit-Limit`, `-Remaining`, `-Reset`
 * (delta seconds) and `-Policy` (`limit;w=window`), and `Retry-After` on a refusal.
 */
function headersOf(
  limit: RateLimit,
  res: RateLimiterRes,
  remaining: number,
  refused: boolean,
): Record<string, string> {
  return {
    'RateLimit-Limit': String(limit.points),
    'RateLimit-Remaining': String(remaining),
    'RateLimit-Reset': String(seconds(res.msBeforeNext)),
    'RateLimit-Policy': `${limit.points};w=${limit.duration}`,
    ...(refused ? { 'Retry-After': String(seconds(res.msBeforeNext)) } : {}),
  };
}

/** The `rate_limited` refusal, saying which budget is spent and when to come back. */
function refusalOf(counter: Counter, res: RateLimiterRes): LedgerError {
  const { points, duration } = counter.limit;
  const retryAfter = seconds(res.msBeforeNext);
  const what =
    counter.name === 'auth_failures'
      ? `Too many failed authentications from this address (${points} per ${duration} s)`
      : `Too many requests: this API key's ${counter.name} budget (${points} per ${duration} s) is spent`;
  return new LedgerError('rate_limited', `${what}; retry in ${retryAfter} s`, {
    details: {
      budget: counter.name,
      limit: points,
      window_seconds: duration,
      retry_after: retryAfter,
    },
  });
}

/** A limiter's result as the doors show it. */
function outcomeOf(counter: Counter, res: RateLimiterRes, refused: boolean): RateLimitOutcome {
  const remaining = refused ? 0 : Math.max(0, counter.limit.points - res.consumedPoints);
  const headers = headersOf(counter.limit, res, remaining, refused);
  return refused
    ? { headers, remaining, refusal: refusalOf(counter, res) }
    : { headers, remaining };
}

/**
 * The limiter of the configured budgets, counted per key with rate-limiter-flexible: in memory,
 * or in the shared store with an in-memory insurance limiter, so that a store outage limits per
 * process instead of failing requests. Anything else the limiter throws lets the request through
 * (and is logged): a limiter is a guard, and must not turn a hiccup into a 500.
 */
export function createRateLimiter(
  limits: RateLimits,
  options: RateLimiterOptions = {},
): RateLimiter {
  const counter = (name: Counted, limit: RateLimit | null): Counter | null => {
    if (!limit) return null;
    const keyPrefix = `ledger:${name}`;
    const memory = new RateLimiterMemory({ keyPrefix, ...limit });
    const limiter = options.shared
      ? options.shared({ keyPrefix, ...limit, insuranceLimiter: memory })
      : memory;
    return { name, limit, limiter };
  };
  const budgets: Record<Budget, Counter | null> = {
    reads: counter('reads', limits.reads),
    writes: counter('writes', limits.writes),
    ingest: counter('ingest', limits.ingest),
  };
  const failures = counter('auth_failures', limits.authFailures);
  const now = options.now ?? Date.now;
  /** Address → until when it counts as not refused without a store read. */
  const clear = new Map<string, number>();
  /** Bumped by every failure counted here, so a read that overlapped one is not remembered. */
  let failuresCounted = 0;

  /**
   * Runs one limiter call. The limiter rejects with its result when a consume goes over the
   * budget; `spent` says when a result it resolves with is a refusal too (a read of a spent key).
   */
  async function attempt(
    of: Counter,
    call: (limiter: RateLimiterAbstract) => Promise<RateLimiterRes | null>,
    spent: (res: RateLimiterRes) => boolean = () => false,
  ): Promise<RateLimitOutcome | null> {
    try {
      const res = await call(of.limiter);
      return res ? outcomeOf(of, res, spent(res)) : null;
    } catch (error) {
      if (error instanceof RateLimiterRes) return outcomeOf(of, error, true);
      options.logger?.warn('Rate limiter failed; the request was let through', {
        budget: of.name,
        error: error instanceof Error ? error.message : String(error),
      });
      return null;
    }
  }

  return {
    async spend(budget, apiKeyId) {
      const of = budgets[budget];
      return of ? attempt(of, (limiter) => limiter.consume(apiKeyId)) : null;
    },
    async refuseAddress(address) {
      if (!failures) return null;
      const until = clear.get(address);
      if (until !== undefined && until > now()) return null;
      const { points } = failures.limit;
      const counted = failuresCounted;
      // Only read: the failures already counted decide; this request's own key is not tried.
      // (The memory limiter reads a window that just ended until its timer removes it.)
      const outcome = await attempt(
        failures,
        (limiter) => limiter.get(address),
        (res) => res.consumedPoints >= points && res.msBeforeNext > 0,
      );
      if (outcome?.refusal) return outcome;
      if (counted === failuresCounted) {
        clear.delete(address);
        if (clear.size >= CLEAR_ADDRESSES_MAX) clear.delete(clear.keys().next().value ?? '');
        clear.set(address, now() + ADDRESS_CLEAR_MS);
      }
      return null;
    },
    async countFailure(address) {
      if (!failures) return null;
      failuresCounted++;
      clear.delete(address);
      return attempt(failures, (limiter) => limiter.penalty(address));
    },
  };
}
