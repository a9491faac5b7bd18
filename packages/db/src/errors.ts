import { LedgerError } from '@ledger/domain';

interface PgError {
  code?: string;
  constraint?: string;
  constraint_name?: string;
}

/** The driver's error inside drizzle's wrapper (drizzle 0.45 wraps it as `cause`). */
function pgErrorOf(error: unknown): PgError | null {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const candidate = current as PgError & { cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code))
      return candidate;
    current = candidate.cause;
  }
  return null;
}

/**
 * True for failures PostgreSQL resolves by aborting one transaction: a deadlock (40P01) or a
 * serialization failure (40001). Retrying the whole transaction is the documented remedy.
 */
export function isRetryable(error: unknown): boolean {
  const code = pgErrorOf(error)?.code;
  return code === '40P01' || code === '40001';
}

/** Socket and postgres.js codes of a connection that failed, closed or could not be opened. */
const LOST_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/**
 * SQLSTATEs of a server that is going away or not letting us in: connection exceptions (class
 * 08), an administrator's or a crash's shutdown, a server still starting (57P0x), a database that
 * refuses connections (55000 from `ALLOW_CONNECTIONS false`), a statement timeout (57014).
 */
function isUnavailableState(code: string, message: string): boolean {
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03')
    return true;
  if (code === '57014') return true;
  return code === '55000' && message.includes('accepting connections');
}

/** The errors along `error`'s `cause` chain (drizzle and LedgerError both wrap). */
function* chainOf(error: unknown): Generator<{ code?: unknown; message?: unknown }> {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 6; depth++) {
    yield current as { code?: unknown; message?: unknown };
    current = (current as { cause?: unknown }).cause;
  }
}

/**
 * True when the database could not be reached or dropped the connection (or cancelled the
 * statement after `statement_timeout`): the request cannot finish now, but a later one can.
 */
export function isUnavailable(error: unknown): boolean {
  for (const link of chainOf(error)) {
    if (link instanceof LedgerError) {
      if (link.code === 'database_unavailable') return true;
      continue;
    }
    if (typeof link.code !== 'string') continue;
    if (LOST_CONNECTION_CODES.has(link.code)) return true;
    if (isUnavailableState(link.code, String(link.message ?? ''))) return true;
  }
  return false;
}

/** True for a statement PostgreSQL cancelled at `statement_timeout`: not worth running again. */
export function isStatementTimeout(error: unknown): boolean {
  for (const link of chainOf(error)) if (link.code === '57014') return true;
  return false;
}

/**
 * The error callers see for an unreachable database: `database_unavailable` (503), the driver's
 * error kept as `cause` for the server log only.
 */
export function unavailable(error: unknown): LedgerError {
  if (error instanceof LedgerError && error.code === 'database_unavailable') return error;
  return new LedgerError(
    'database_unavailable',
    isStatementTimeout(error)
      ? 'The database did not answer in time; retry shortly'
      : 'The database is unavailable; retry shortly',
    { cause: error },
  );
}

/** Store methods that only read (by the store's naming): safe to run again on a new connection. */
const READ_METHOD = /^(get|list|find|count)[A-Z]/;

/** Tries of a read whose connection was lost (a pooled connection dropped since its last use). */
const READ_ATTEMPTS = 3;

/**
 * Every method of a store, with an unreachable database's errors turned into
 * `database_unavailable`, so no door answers a dropped connection with a bare 500. A read whose
 * connection was lost is first tried again: right after a failover or a restart each pooled
 * connection fails once before the pool replaces it, and a read is safe to repeat.
 */
export function translatingUnavailable<T extends object>(store: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function') {
      out[name] = value;
      continue;
    }
    const attempts = READ_METHOD.test(name) ? READ_ATTEMPTS : 1;
    out[name] = (...args: unknown[]) => {
      const call = (attempt: number): unknown => {
        const result: unknown = value.apply(store, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          if (!isUnavailable(error)) throw error;
          if (attempt < attempts && !isStatementTimeout(error)) return call(attempt + 1);
          throw unavailable(error);
        });
      };
      return call(1);
    };
  }
  return out as T;
}

/** The violated constraint, from either driver's error. */
function constraintOf(error: PgError): string | undefined {
  return error.constraint ?? error.constraint_name;
}

/** Translations of the constraints the database enforces into the codes callers see. */
const CONSTRAINT_ERRORS: Record<string, () => LedgerError> = {
  customers_live_email_key: () =>
    new LedgerError('duplicate_customer_email', 'A customer with this email already exists', {
      param: ['email'],
    }),
  plans_slug_key: () =>
    new LedgerError('duplicate_plan_slug', 'A plan with this slug already exists', {
      param: ['slug'],
    }),
  customers_balance_range: () =>
    new LedgerError('balance_out_of_range', 'The balance would leave the storable range', {
      param: ['amount'],
    }),
};

/**
 * Runs a store operation and turns the database's refusals into the `LedgerError`s they mean
 * (the database is the last word on uniqueness and ranges, even under concurrency).
 */
export async function mapDbErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    const pg = pgErrorOf(error);
    const constraint = pg ? constraintOf(pg) : undefined;
    const translate = constraint ? CONSTRAINT_ERRORS[constraint] : undefined;
    if (translate) throw translate();
    throw error;
  }
}
