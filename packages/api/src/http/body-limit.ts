import type { IncomingMessage } from 'node:http';
import { LedgerError } from '@ledger/domain';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { nodeRequest, requestHeader } from './node-request.js';

/** Request bodies are capped at 1 MiB (REST.md). */
export const MAX_BODY_BYTES = 1024 * 1024;

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by `flagLargeBody`: the body passed {@link MAX_BODY_BYTES} and was not read. */
    bodyTooLarge: true;
    /**
     * Set by `limitBody`: the Node request whose declared length it checked, for `requestText`
     * to read straight from.
     */
    bodyStream: IncomingMessage;
    /** The body's text once `requestText` has started reading it: every reader shares it. */
    bodyText: Promise<string>;
  }
}

/** The refusal of a body past the limit, the same at every door. */
export function bodyTooLarge(): LedgerError {
  return new LedgerError('body_too_large', `Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
}

/** The refusal of a body past the limit; the rest of it is never read, so the connection closes. */
function refuseLargeBody(c: Context): never {
  c.header('Connection', 'close');
  throw bodyTooLarge();
}

/**
 * Refuses larger bodies with `413 body_too_large` before anything reads them. A GET or HEAD is
 * let through unlooked-at: nothing reads its body. Looking (`c.req.raw.body`) makes the Node
 * adapter build a whole fetch Request and a web stream out of its lightweight request (~5% of a
 * GET's CPU, more of a small POST's), so a body with a declared length within the limit is left
 * to {@link requestText} to read from the Node request itself: Node's parser never delivers more
 * than the declared length. Only a chunked body goes through Hono's counting stream.
 */
export function limitBody(): MiddlewareHandler {
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: refuseLargeBody });
  return (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const declared = requestHeader(c, 'Content-Length');
    const incoming = nodeRequest(c);
    if (!incoming || declared === undefined || requestHeader(c, 'Transfer-Encoding') !== undefined)
      return limit(c, next);
    if (Number.parseInt(declared, 10) > MAX_BODY_BYTES) refuseLargeBody(c);
    c.set('bodyStream', incoming);
    return next();
  };
}

const utf8 = new TextDecoder();

/** The whole of a Node request's body, decoded as `Request.text()` decodes it. */
function readNodeBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => resolve(utf8.decode(Buffer.concat(chunks))));
    incoming.on('error', reject);
    incoming.on('close', () => {
      if (!incoming.complete)
        reject(new Error('The client closed the request before its body ended'));
    });
  });
}

/**
 * The request body as text, read once whoever asks (the idempotency fingerprint, then the verb):
 * from the Node request when `limitBody` checked its length, else through Hono.
 */
export function requestText(c: Context): Promise<string> {
  let text = c.get('bodyText');
  if (!text) {
    const incoming = c.get('bodyStream');
    text = incoming ? readNodeBody(incoming) : c.req.text();
    c.set('bodyText', text);
  }
  return text;
}

/**
 * The same limit for a door that answers in its own wire format (tRPC): a larger body is not
 * thrown at Hono's error handler but flagged (`bodyTooLarge`) and replaced by an empty one, so
 * nothing can read past the limit and the door refuses the call itself, after authentication,
 * in the order REST refuses it.
 */
export function flagLargeBody(): MiddlewareHandler {
  return (c, next) =>
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: async () => {
        c.set('bodyTooLarge', true);
        c.req.raw = new Request(c.req.raw, { body: '' });
        await next();
        // As above: the rest of the body is never read.
        c.header('Connection', 'close');
        return c.res;
      },
    })(c, next);
}
