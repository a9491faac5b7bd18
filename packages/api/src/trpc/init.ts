import { LedgerError } from '@ledger/domain';
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ERROR_TABLE } from '../errors/status-table.js';
import { TRPC_CODE_BY_STATUS, trpcErrorShape } from '../errors/trpc-shape.js';
import { type Caller, callerOf } from '../http/auth.js';
import { bodyTooLarge } from '../http/body-limit.js';
import { IDEMPOTENT_REPLAYED, runIdempotently } from '../http/idempotency.js';
import { type Budget, budgetOf } from '../http/rate-limit.js';
import type { TrpcContext } from './context.js';
import { ledgerErrorOf } from './errors.js';
import { mutationFingerprint, recordOf, replayOf } from './idempotency.js';

/** What a procedure declares beside its input: the rate limit budget, when not its kind's. */
export interface ProcedureMeta {
  /** Usage reports spend `ingest`; other queries spend reads and other mutations writes. */
  budget?: Budget;
}

const t = initTRPC
  .context<TrpcContext>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    isDev: false,
    errorFormatter({ error, ctx, path }) {
      return trpcErrorShape(ledgerErrorOf(error), ctx?.requestId ?? 'unknown', path ?? null);
    },
  });

/**
 * Turns a `LedgerError` (a verb's, or a middleware's below) into the TRPCError with the table's
 * status, so tRPC answers with the same HTTP status as REST would. Routers stay free of try/catch.
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

/** Each HTTP request's caller, looked up once however many calls its batch holds. */
const callers = new WeakMap<TrpcContext, Promise<Caller>>();

/**
 * Authenticates the key `createContext` read (`unauthenticated` otherwise, `rate_limited` for an
 * address with too many failures: see `callerOf`) and gives the call the service context of the
 * key's scope: no procedure can reach a verb without it.
 */
const authenticated = t.middleware(async ({ ctx, next }) => {
  let caller = callers.get(ctx);
  if (!caller) {
    caller = callerOf(ctx.platform, ctx.apiKey, {
      limiter: ctx.limiter,
      address: ctx.clientAddress,
      show: ctx.showRateLimit,
    });
    callers.set(ctx, caller);
  }
  const { scope, apiKeyId } = await caller;
  ctx.setScope(scope);
  return next({ ctx: { scope, apiKeyId, services: ctx.servicesFor(scope) } });
});

/** A body past the limit was flagged, not read, by the HTTP layer: refused here, after auth. */
const limitedBody = t.middleware(({ ctx, next }) => {
  if (ctx.bodyTooLarge) throw bodyTooLarge();
  return next();
});

export const router = t.router;

/**
 * Every procedure: authenticated, within its key's rate limit budget (each call of a batch
 * counts: reads for queries, writes for mutations, or the budget its meta names), its body
 * within the limit, `Idempotency-Key` honoured on mutations, errors mapped through one table.
 * The idempotency step runs REST's rule on REST's store (`runIdempotently`); a replay answers
 * with the recorded output without running the procedure and sets `Idempotent-Replayed: true`
 * on the HTTP response. A key on a batch of several calls is refused: one key names one change.
 */
export const procedure = t.procedure
  .use(mapErrors)
  .use(authenticated)
  .use(async ({ ctx, meta, type, next }) => {
    const outcome = await ctx.limiter.spend(budgetOf(type !== 'query', meta?.budget), ctx.apiKeyId);
    if (outcome) ctx.showRateLimit(outcome);
    if (outcome?.refusal) throw outcome.refusal;
    return next();
  })
  .use(limitedBody)
  .use(async ({ ctx, type, path, getRawInput, next }) => {
    const key = ctx.idempotencyKey;
    if (type !== 'mutation' || key === undefined) return next();
    if (ctx.calls > 1) {
      throw new LedgerError(
        'invalid_input',
        'Idempotency-Key names one mutation: send each keyed mutation in its own request',
        { param: ['Idempotency-Key'] },
      );
    }
    const outcome = await runIdempotently(
      ctx.idempotency,
      {
        scope: ctx.scope,
        key,
        fingerprint: async () => mutationFingerprint(path, await getRawInput()),
      },
      (store) => next({ ctx: { services: { ...ctx.services, store } } }),
      (result) => recordOf(result, ctx.requestId, path),
    );
    if ('ran' in outcome) return outcome.ran;
    ctx.setHeader(IDEMPOTENT_REPLAYED, 'true');
    return replayOf(outcome.replayed);
  });

/**
 * A type-only input parser: procedures declare the verb's input type for the client, and the
 * verb itself validates (with the schema that shares its name), so input is parsed exactly once.
 */
export function typed<T>() {
  return (input: unknown) => input as T;
}
