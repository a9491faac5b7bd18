import type { Context } from 'hono';
import { errorEnvelope } from '../errors/envelope.js';
import { isLoggedFault, toLedgerError } from '../errors/normalize.js';
import { snakeParam } from '../rest/casing.js';
import type { AppEnv } from './env.js';

/** Unexpected errors are logged here, once, with their stack; callers only see a request id. */
export type ErrorLogger = (error: unknown, requestId: string) => void;

/**
 * Where Hono's errors become responses: the REST envelope (params in snake_case) for `/ledger/*`
 * and every other non-tRPC path, from the status table tRPC's error formatter reads too. tRPC
 * calls never get here: tRPC answers their refusals itself (trpc/init.ts).
 */
export function onError(log: ErrorLogger): (error: unknown, c: Context<AppEnv>) => Response {
  return (error, c) => {
    const requestId = c.get('requestId') ?? 'unknown';
    const ledger = toLedgerError(error);
    if (isLoggedFault(ledger.code)) log(ledger.cause ?? error, requestId);
    const { status, body } = errorEnvelope(ledger, requestId, snakeParam);
    return c.json(body, status);
  };
}
