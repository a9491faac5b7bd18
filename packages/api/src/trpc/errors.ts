import { toLedgerError as fromZod, LedgerError } from '@ledger/domain';
import type { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { toLedgerError } from '../errors/normalize.js';

/**
 * The Ledger error behind whatever a call failed with: a verb's or a middleware's `LedgerError`
 * (tRPC wraps it as the cause), or tRPC's own failures (unknown procedure, unparsable body) in
 * Ledger's codes. The error formatter and the idempotency record both read errors through this.
 */
export function ledgerErrorOf(error: TRPCError): LedgerError {
  if (error.cause instanceof LedgerError) return error.cause;
  if (error.cause instanceof ZodError) return fromZod(error.cause);
  if (error.code === 'NOT_FOUND') return new LedgerError('not_found', error.message);
  if (error.code === 'PARSE_ERROR')
    return new LedgerError('invalid_json', 'The body is not valid JSON');
  if (error.code === 'BAD_REQUEST' || error.code === 'METHOD_NOT_SUPPORTED') {
    return new LedgerError('invalid_input', error.message);
  }
  return toLedgerError(error.cause ?? error);
}
