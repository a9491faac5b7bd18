import { type ErrorCode, formatParam, type LedgerError } from '@ledger/domain';
import { ERROR_TABLE, type ErrorStatus, type ErrorType } from './status-table.js';

/** The documented error body (REST.md "Errors"). */
export interface ErrorEnvelope {
  error: {
    type: ErrorType;
    code: ErrorCode;
    message: string;
    param: string | null;
    details: Record<string, unknown>;
    request_id: string;
  };
}

/** How a door writes a parameter path: REST uses snake_case, tRPC the input's own names. */
export type ParamStyle = (path: ReadonlyArray<string | number>) => string;

/** `['taxIds', 0, 'value']` → `taxIds[0].value`, the names of the verbs' inputs. */
export const camelParam: ParamStyle = formatParam;

/** The parameter as this door's callers name it, and the message that names it so. */
function renderParam(error: LedgerError, paramStyle: ParamStyle) {
  if (error.paramText !== undefined) return { param: error.paramText, message: error.message };
  if (!error.param || error.param.length === 0) return { param: null, message: error.message };
  const param = paramStyle(error.param);
  return { param, message: error.messageFor(param) };
}

/** The status and envelope of an error, for any door. */
export function errorEnvelope(
  error: LedgerError,
  requestId: string,
  paramStyle: ParamStyle,
): { status: ErrorStatus; body: ErrorEnvelope } {
  const { status, type } = ERROR_TABLE[error.code];
  const { param, message } = renderParam(error, paramStyle);
  return {
    status,
    body: {
      error: {
        type,
        code: error.code,
        message,
        param,
        details: error.details,
        request_id: requestId,
      },
    },
  };
}
