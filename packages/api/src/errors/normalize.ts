import { type ErrorCode, LedgerError } from '@ledger/domain';

/**
 * The refusals whose cause the server logs: a fault of ours (`internal_error`) or of the
 * database (`database_unavailable`). The caller sees the code and a request id, never the cause.
 */
export function isLoggedFault(code: ErrorCode): boolean {
  return code === 'internal_error' || code === 'database_unavailable';
}

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
