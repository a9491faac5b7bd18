import { LedgerError } from '@ledger/domain';

/**
 * Any thrown value as a `LedgerError`. Unknown errors become `internal_error` with a generic
 * message: the caller never sees a stack trace or SQL text (the original is kept as `cause` for
 * the server log).
 */
export function toLedgerError(error: unknown): LedgerError {
  if (error instanceof LedgerError) return error;
  return new LedgerError('internal_error', 'An internal error occurred; it has been logged', {
    cause: error,
  });
}
