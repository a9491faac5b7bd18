import { createRequire } from 'node:module';
import { and, eq, sql } from 'drizzle-orm';
import type {
  RateLimiterAbstract,
  RateLimiterRes as Res,
  RateLimiterStoreAbstract as StoreAbstract,
} from 'rate-limiter-flexible';
import type { Db } from '../database.js';
import { rateLimits } from '../schema/index.js';
import { type Counter, counterAdder } from './rate-limit-counters.js';

// Each class is loaded from its own module: the package's index also loads every store it
// supports (Redis, Mongo, DynamoDB and 20 more, some 40 ms of every start), and its index does
// not export the store base class at all. The types are the package's own.
const load = createRequire(import.meta.url);
const RateLimiterStoreAbstract: typeof StoreAbstract = load(
  'rate-limiter-flexible/lib/RateLimiterStoreAbstract.js',
);
const RateLimiterRes: typeof Res = load('rate-limiter-flexible/lib/RateLimiterRes.js');
type RateLimiterRes = Res;

/**
 * One budget's limiter as the api asks for it (its `SharedLimiterOptions`, said again here
 * because the db package does not import the api): the budget, and the in-memory limiter that
 * answers instead while the database does not.
 */
export interface DatabaseLimiterOptions {
  keyPrefix: string;
  points: number;
  /** The window, in seconds (at least 1). */
  duration: number;
  insuranceLimiter?: RateLimiterAbstract;
}

/**
 * How long one counter round trip may take before the insurance limiter answers instead: a
 * stalled database must not hold every request up in front of the work it would do anyway.
 */
const STORE_TIMEOUT_MS = 1_000;

/** How often, at most, one process deletes the counters whose window has ended. */
const SWEEP_EVERY_MS = 60_000;

/** The window's time left by the database's clock, so every process reads the same window. */
const msLeft =
  sql<number>`greatest(0, extract(epoch from (${rateLimits.expire} - now())) * 1000)::float8`.mapWith(
    Number,
  );

/** Rejects when `work` takes longer than `ms` (its late outcome is then ignored). */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`rate limit store took over ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Deletes the counters whose window has ended and returns how many. A counter that ended is
 * restarted by its key's next request anyway, so deleting it never changes a budget; this only
 * keeps keys that stop coming (revoked keys, passing client addresses) from piling up.
 */
export async function sweepRateLimits(db: Db): Promise<number> {
  const gone = await db
    .delete(rateLimits)
    .where(sql`${rateLimits.expire} <= now()`)
    .returning({ key: rateLimits.key });
  return gone.length;
}

/**
 * rate-limiter-flexible's store limiter over Ledger's drizzle handle (its own Postgres and
 * Drizzle limiters want a `pg` client or load their own drizzle-orm). Each request is counted by
 * an atomic upsert on `rate_limits`, which the requests asked meanwhile share: a fixed window per
 * key that starts with its first request, timed by the database's clock. Errors and timeouts go
 * to the insurance limiter (rate-limiter-flexible's `_handleError`), so an outage limits per
 * process instead of failing the request.
 */
class DatabaseLimiter extends RateLimiterStoreAbstract {
  readonly #db: Db;
  readonly #add: ReturnType<typeof counterAdder>;
  readonly #sweep: () => void;

  constructor(db: Db, options: DatabaseLimiterOptions, sweep: () => void) {
    if (!(options.duration > 0))
      throw new Error('A shared rate limit needs a window of 1 s or more');
    super({ ...options, storeClient: db });
    this.#db = db;
    this.#add = counterAdder(db);
    this.#sweep = sweep;
  }

  _getRateLimiterRes(_key: string, changedPoints: number, counter: Counter): RateLimiterRes {
    return new RateLimiterRes(
      Math.max(this.points - counter.points, 0),
      counter.msLeft,
      counter.points,
      counter.points === changedPoints,
    );
  }

  /**
   * Adds `points` to the key's window, or starts a new one: group-committed with the other
   * increments of this handle ({@link counterAdder}). `forceExpire` (a `set` or `block`, which
   * Ledger does not call) sets the points and starts a new window, in a statement of its own.
   */
  async _upsert(
    key: string,
    points: number,
    msDuration: number,
    forceExpire = false,
  ): Promise<Counter> {
    this.#sweep();
    if (!forceExpire) return within(STORE_TIMEOUT_MS, this.#add(key, points, msDuration));
    // From now() cut to the millisecond `expire` stores, so a window never reads longer than it is.
    const expire = sql`date_trunc('milliseconds', now()) + ${Math.ceil(msDuration)}::integer * interval '1 millisecond'`;
    const rows = await within(
      STORE_TIMEOUT_MS,
      this.#db
        .insert(rateLimits)
        .values({ key, points, expire })
        .onConflictDoUpdate({ target: rateLimits.key, set: { points, expire } })
        .returning({ points: rateLimits.points, msLeft }),
    );
    const [counter] = rows;
    if (!counter) throw new Error('The rate limit upsert returned no row');
    return counter;
  }

  async _get(key: string): Promise<Counter | null> {
    const rows = await within(
      STORE_TIMEOUT_MS,
      this.#db
        .select({ points: rateLimits.points, msLeft })
        .from(rateLimits)
        .where(and(eq(rateLimits.key, key), sql`${rateLimits.expire} > now()`))
        .prepare('rate_limit_get')
        .execute(),
    );
    return rows[0] ?? null;
  }

  async _delete(key: string): Promise<boolean> {
    const rows = await within(
      STORE_TIMEOUT_MS,
      this.#db.delete(rateLimits).where(eq(rateLimits.key, key)).returning({ key: rateLimits.key }),
    );
    return rows.length > 0;
  }
}

/**
 * The api's shared-limiter port over this database: budgets counted in `rate_limits`, so every
 * server process on the same PostgreSQL spends one budget. The limiters of one handle share a
 * sweep of ended counters, run at most once a minute by a request (no timer to stop) and never
 * awaited; a sweep that fails is simply tried again a minute later.
 */
export function databaseRateLimiter(
  db: Db,
): (options: DatabaseLimiterOptions) => RateLimiterAbstract {
  let nextSweep = 0;
  const sweep = () => {
    const now = Date.now();
    if (now < nextSweep) return;
    nextSweep = now + SWEEP_EVERY_MS;
    sweepRateLimits(db).catch(() => {});
  };
  return (options) => new DatabaseLimiter(db, options, sweep);
}
