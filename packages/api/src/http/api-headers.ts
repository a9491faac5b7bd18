import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/**
 * Headers every API answer carries: no content sniffing, no caching of (tenant-scoped) data by
 * browsers or proxies, and the challenge a 401 owes its caller (RFC 6750), whatever refused it.
 */
export function apiHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    if (!c.res.headers.get('Cache-Control')?.includes('no-store')) {
      c.header('Cache-Control', 'no-store');
    }
    if (c.res.status === 401) c.header('WWW-Authenticate', 'Bearer realm="ledger"');
  };
}
