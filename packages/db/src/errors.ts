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
