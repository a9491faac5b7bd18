import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** The Node request under `c` (`@hono/node-server` passes it as `env.incoming`), if any. */
export function nodeRequest(c: Context): IncomingMessage | null {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming && typeof incoming.on === 'function' ? incoming : null;
}

/**
 * A request header as `c.req.header(name)` reads it (repeated ones joined with `, `), read from
 * the Node request when there is one. Asking Hono makes the Node adapter copy every header into a
 * fetch `Headers` first, about 3% of a GET's CPU; Node's own `headersDistinct` keeps every
 * repeat, in order, as `Headers` does.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = nodeRequest(c);
  if (!incoming) return c.req.header(name);
  const values = incoming.headersDistinct[name.toLowerCase()];
  return values === undefined ? undefined : values.join(', ');
}
