import { checkInputShape, ERROR_CODES, LedgerError, type StoredResponse } from '@ledger/domain';
import type { TRPCError } from '@trpc/server';
// tRPC has no public way for a middleware to answer without calling `next()`; a replay must,
// and this marker is what tRPC's own resolver stamps on every result (the version is pinned).
import { middlewareMarker } from '@trpc/server/unstable-core-do-not-import';
import superjson, { type SuperJSONResult } from 'superjson';
import { type LedgerTrpcErrorShape, trpcErrorShape } from '../errors/trpc-shape.js';
import { parametersOfValue, type RecordedAnswer } from '../http/idempotency.js';
import { ledgerErrorOf } from './errors.js';

/** A call's outcome as a middleware sees it: what `next()` resolves to. */
type CallResult = { ok: true; data: unknown } | { ok: false; error: TRPCError };

/** A record's body: tRPC's own response body for that one call. */
type RecordedCall = { result: { data: SuperJSONResult } } | { error: SuperJSONResult };

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * What identifies a mutation for `Idempotency-Key`: the HTTP request it is and its input in
 * superjson's JSON form, compared by value as REST compares a body (the same text a tRPC call's
 * body gave when idempotency ran in front of tRPC, so older records still match). The input is
 * first checked the way every verb checks it, so what the verb would refuse is refused before
 * anything is reserved, and the walks that follow are bounded.
 */
export function mutationFingerprint(path: string, input: unknown): string {
  checkInputShape(input);
  return `POST /trpc/${path}\n${parametersOfValue(superjson.serialize(input))}`;
}

/**
 * A mutation's outcome as an idempotency record: the procedure's output serialised, or its
 * error's shape, as tRPC's body for a single call, with the status tRPC answers it with (which
 * decides whether it is remembered at all).
 */
export function recordOf(result: CallResult, requestId: string, path: string): RecordedAnswer {
  if (result.ok) {
    const body: RecordedCall = { result: { data: superjson.serialize(result.data) } };
    return { response: { status: 200, headers: JSON_HEADERS, body: JSON.stringify(body) } };
  }
  const error = ledgerErrorOf(result.error);
  const shape = trpcErrorShape(error, requestId, path);
  const body: RecordedCall = { error: superjson.serialize(shape) };
  return {
    response: { status: shape.data.httpStatus, headers: JSON_HEADERS, body: JSON.stringify(body) },
    code: error.code,
  };
}

/**
 * The first outcome again, as the middleware's result: the recorded output (tRPC serialises it to
 * the same bytes it sent the first time), or the recorded error thrown as the `LedgerError` it was,
 * so the error formatter renders it with this request's id.
 */
export function replayOf(record: StoredResponse): {
  readonly marker: typeof middlewareMarker;
  ok: true;
  data: unknown;
} {
  const recorded = JSON.parse(record.body) as RecordedCall;
  if ('result' in recorded) {
    return {
      marker: middlewareMarker,
      ok: true,
      data: superjson.deserialize(recorded.result.data),
    };
  }
  const { message, data } = superjson.deserialize<LedgerTrpcErrorShape>(recorded.error);
  const { code, param, details } = data.ledger;
  if (!(ERROR_CODES as readonly string[]).includes(code)) {
    throw new Error(`Unreadable idempotency record (error code ${String(code)})`);
  }
  throw new LedgerError(code, message, {
    details,
    ...(param === null ? {} : { paramText: param }),
  });
}
