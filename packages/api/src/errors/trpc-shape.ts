import type { ErrorCode, LedgerError } from '@ledger/domain';
import {
  type TRPC_ERROR_CODE_KEY,
  type TRPC_ERROR_CODE_NUMBER,
  TRPC_ERROR_CODES_BY_KEY,
} from '@trpc/server/rpc';
import { camelParam, errorEnvelope } from './envelope.js';
import type { ErrorStatus, ErrorType } from './status-table.js';

/** tRPC's code for each HTTP status Ledger uses. */
export const TRPC_CODE_BY_STATUS: Record<ErrorStatus, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  402: 'PAYMENT_REQUIRED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'TOO_MANY_REQUESTS',
  // Answered on the socket before any router runs (see the server's clientError handler).
  431: 'BAD_REQUEST',
  500: 'INTERNAL_SERVER_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

/** What a TypeScript caller finds in `error.data.ledger`: the REST envelope's fields. */
export interface LedgerErrorData {
  type: ErrorType;
  code: ErrorCode;
  param: string | null;
  details: Record<string, unknown>;
  requestId: string;
}

/** The tRPC error shape Ledger sends: tRPC's own fields plus `data.ledger`. */
export interface LedgerTrpcErrorShape {
  message: string;
  // Not `number`: tRPC would then infer its default shape and the client would lose data.ledger.
  code: TRPC_ERROR_CODE_NUMBER;
  data: {
    code: TRPC_ERROR_CODE_KEY;
    httpStatus: number;
    path: string | null;
    ledger: LedgerErrorData;
  };
}

/**
 * Builds the tRPC error shape for a Ledger error. tRPC's error formatter uses it for every
 * refusal (a verb's, or the auth, body-limit and idempotency middlewares'), and the idempotency
 * record stores a refusal in it, so a client sees one shape whatever refused it.
 */
export function trpcErrorShape(
  error: LedgerError,
  requestId: string,
  path: string | null,
): LedgerTrpcErrorShape {
  const { status, body } = errorEnvelope(error, requestId, camelParam);
  const key = TRPC_CODE_BY_STATUS[status];
  return {
    message: error.message,
    code: TRPC_ERROR_CODES_BY_KEY[key],
    data: {
      code: key,
      httpStatus: status,
      path,
      ledger: {
        type: body.error.type,
        code: error.code,
        param: body.error.param,
        details: body.error.details,
        requestId,
      },
    },
  };
}
