import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/** What every API answer carries besides its request id: no content sniffing, no caching. */
const API_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' } as const;

/** The answers {@link jsonAnswer} made: they already carry every header the middlewares add. */
const complete = new WeakSet<Response>();

/**
 * A JSON answer with all it owes set at once, as one plain record: content type, request id and
 * the API headers. The Node adapter writes such a record as it is; made with `c.json` and then
 * completed by the middlewares, the headers went through three fetch `Headers` (built, copied,
 * and iterated back into a record), about 4% of a GET's CPU. Headers added afterwards (rate
 * limits, CORS) are still set on it as on any answer. For routes where nothing calls `c.header`
 * before the answer is made (Hono would not add those to a Response returned as it is): REST's
 * own headers are all set after it.
 */
export function jsonAnswer(c: Context<AppEnv>, body: unknown, status: number): Response {
  const answer = new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json',
      'x-request-id': c.get('requestId'),
      ...API_HEADERS,
    },
  });
  complete.add(answer);
  return answer;
}

/** True for an answer made by {@link jsonAnswer}, which needs none of the middlewares' headers. */
export function isComplete(answer: Response): boolean {
  return complete.has(answer);
}

/**
 * Sets a header on the answer: before it is made, as Hono keeps it for the answer; on the finished
 * answer, in place. `c.header` on a finished answer first copies the whole Response (Hono
 * re-creates it, and the Node adapter then builds a full fetch Response out of its lightweight
 * one and streams its body), which cost ~80 µs of CPU on every request. An answer whose headers
 * are immutable (a fetched or redirect Response) is copied as before.
 */
export function setAnswerHeader(c: Context, name: string, value: string): void {
  if (!c.finalized) {
    c.header(name, value);
    return;
  }
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
    if (isComplete(c.res)) return;
    setAnswerHeader(c, 'X-Content-Type-Options', API_HEADERS['x-content-type-options']);
    if (!c.res.headers.get('Cache-Control')?.includes('no-store')) {
      setAnswerHeader(c, 'Cache-Control', API_HEADERS['cache-control']);
    }
    if (c.res.status === 401) setAnswerHeader(c, 'WWW-Authenticate', 'Bearer realm="ledger"');
  };
}
