import { toLedgerError as fromZod, LedgerError, type ServiceContext } from '@ledger/domain';
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { toLedgerError } from '../errors/normalize.js';
import { ERROR_TABLE } from '../errors/status-table.js';
import { TRPC_CODE_BY_STATUS, trpcErrorShape } from '../errors/trpc-shape.js';

/** What every procedure receives: the service context of the caller's key, and the request id. */
export interface TrpcContext {
  services: ServiceContext;
  requestId: string;
}

/** tRPC's own failures (unknown procedure, unparsable body) in Ledger's codes. */
function ledgerErrorOf(error: TRPCError): LedgerError {
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

const t = initTRPC.context<TrpcContext>().create({
  transformer: superjson,
  isDev: false,
  errorFormatter({ error, ctx, path }) {
    return trpcErrorShape(ledgerErrorOf(error), ctx?.requestId ?? 'unknown', path ?? null);
  },
});

/**
 * Turns a verb's `LedgerError` into the TRPCError with the table's status, so tRPC answers with
 * the same HTTP status as REST would. Routers stay free of try/catch.
 */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const ledger = ledgerErrorOf(result.error);
  throw new TRPCError({
    code: TRPC_CODE_BY_STATUS[ERROR_TABLE[ledger.code].status],
    message: ledger.message,
    cause: ledger,
  });
});

export const router = t.router;
/** Every procedure is authenticated (by the HTTP layer) and maps errors through one table. */
export const procedure = t.procedure.use(mapErrors);

/**
 * A type-only input parser: procedures declare the verb's input type for the client, and the
 * verb itself validates (with the schema that shares its name), so input is parsed exactly once.
 */
export function typed<T>() {
  return (input: unknown) => input as T;
}
