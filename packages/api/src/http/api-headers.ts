import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/**
 * Sets a header on the finished answer in place. `c.header` on a finished answer first copies the
 * whole Response (Hono re-creates it, and the Node adapter then builds a full fetch Response out
 * of its lightweight one), which cost ~80 µs of CPU on every request. An answer whose headers
 * are immutable (a fetched or redirect Response) is copied as before.
 */
function setOnAnswer(c: Context<AppEnv>, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}

/**
 * Headers every API answer carries: no content sniffing, no caching of (tenant-scoped) data by
 * browsers or proxies, and the challenge a 401 owes its caller (RFC 6750), whatever refused it.
 */
export function apiHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    setOnAnswer(c, 'X-Content-Type-Options', 'nosniff');
    if (!c.res.headers.get('Cache-Control')?.includes('no-store')) {
      setOnAnswer(c, 'Cache-Control', 'no-store');
    }
    if (c.res.status === 401) setOnAnswer(c, 'WWW-Authenticate', 'Bearer realm="ledger"');
  };
}
