import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from './env.js';

/**
 * One answered request, as the log has it. Only what names the request, never what it carried:
 * no query string, body, header or path value (a path can hold an email), so no personal data or
 * key material can reach a log through it.
 */
export interface RequestLine {
  method: string;
  /** The matched pattern (`/ledger/customers/:id`, `/trpc/customer.create`), never the URL. */
  route: string;
  status: number;
  duration_ms: number;
  request_id: string;
  /** The caller's tenant and app, once its key was accepted. */
  scope?: { tenant_id: string; app_id: string };
}

/**
 * Where request lines go: the server passes its pino logger, which has these two methods, so
 * the api does not depend on a logging library.
 */
export interface RequestLogger {
  info(line: RequestLine, message: string): void;
  error(line: RequestLine, message: string): void;
}

/** A tRPC route: its procedures' names from the path, each known one, else `(unknown)`. */
function trpcRoute(path: string, procedures: ReadonlySet<string>): string {
  const names = path.slice('/trpc/'.length).split(',');
  return names.every((name) => procedures.has(name))
    ? `/trpc/${names.join(',')}`
    : '/trpc/(unknown)';
}

/**
 * The route a request matched: the last handler registered for a method (middlewares are
 * registered for all), tRPC's procedures, or `(unmatched)`: a pattern, never the path itself.
 */
function routeOf(c: Context<AppEnv>, procedures: ReadonlySet<string>): string {
  if (c.req.path.startsWith('/trpc/')) return trpcRoute(c.req.path, procedures);
  const endpoint = matchedRoutes(c).findLast((route) => route.method !== 'ALL');
  return endpoint?.path ?? '(unmatched)';
}

/**
 * Logs one line per request once it is answered: method, route, status, duration, request id
 * and scope, at `info`, or `error` for a 5xx. `procedures` are tRPC's, so a tRPC path is only
 * logged when it names procedures that exist.
 */
export function requestLog(
  log: RequestLogger,
  procedures: ReadonlySet<string>,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    let threw = false;
    try {
      await next();
    } catch (error) {
      threw = true;
      throw error;
    } finally {
      const status = threw ? 500 : c.res.status;
      const scope = c.get('scope');
      const line: RequestLine = {
        method: c.req.method,
        route: routeOf(c, procedures),
        status,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
        request_id: c.get('requestId') ?? 'unknown',
        ...(scope ? { scope: { tenant_id: scope.tenantId, app_id: scope.appId } } : {}),
      };
      if (status >= 500) log.error(line, 'request failed');
      else log.info(line, 'request');
    }
  };
}
