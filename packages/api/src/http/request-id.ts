import { newId } from '@ledger/domain';
import type { MiddlewareHandler } from 'hono';
import { isComplete } from './api-headers.js';
import type { AppEnv } from './env.js';
import { requestHeader } from './node-request.js';

const ACCEPTABLE = /^[\w.:-]{1,200}$/;

/**
 * Takes `X-Request-Id` from the request (when it is a sane token) or makes one, and echoes it on
 * the response, so a caller can quote it and every error body carries it (a `jsonAnswer`
 * carries it already).
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = requestHeader(c, 'X-Request-Id');
    const id = given && ACCEPTABLE.test(given) ? given : newId('request');
    c.set('requestId', id);
    await next();
    if (!isComplete(c.res)) c.res.headers.set('X-Request-Id', id);
  };
}
