import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isLocalHostname, isPublicAddress, parseIpLiteral } from '@ledger/domain';
import { EXCERPT_BYTES, ExcerptCollector } from './excerpt.js';

/** One delivery attempt: a POST of `body` to `url`, given up after `timeoutMs`. */
export interface WebhookRequest {
  url: string;
  headers: Readonly<Record<string, string>>;
  body: string;
  timeoutMs: number;
}

/**
 * What an attempt came to, for the delivery log and the retry decision (success is a 2xx
 * `status`, which the caller judges). `status` and `excerpt` are null when no response arrived,
 * and `error` then says why (refused address, DNS failure, connection error, timeout).
 */
export interface WebhookResponse {
  status: number | null;
  excerpt: string | null;
  durationMs: number;
  error: string | null;
}

/** Sends delivery attempts over pooled keep-alive connections. */
export interface WebhookSender {
  /** Makes one attempt; never rejects (every failure is a `WebhookResponse` with `error`). */
  send(request: WebhookRequest): Promise<WebhookResponse>;
  /** Closes the pooled connections (at shutdown). */
  close(): void;
}

/** Every address a name resolves to, as `dns.lookup(name, { all: true })` gives them. */
export type LookupAll = (hostname: string) => Promise<readonly LookupAddress[]>;

const systemLookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

/** Past the excerpt, how much of a body is read and thrown away to keep the connection; more and it is closed. */
const DRAIN_BYTES = 64 * 1024;
const MAX_ERROR_LENGTH = 200;
/** How long a kept-alive socket may sit idle before the sender closes it itself. */
const IDLE_SOCKET_MS = 4_000;

/** Why a literal or local host is refused, or null when it is neither. */
function hostRefusal(hostname: string): string | null {
  if (isLocalHostname(hostname)) return `refused: ${hostname} is a local name`;
  const literal = parseIpLiteral(hostname);
  if (literal !== null && !isPublicAddress(literal)) {
    return `refused: ${literal} is a private address`;
  }
  return null;
}

function addressRefusal(hostname: string, addresses: readonly LookupAddress[]): string | null {
  const inside = addresses.find((entry) => !isPublicAddress(entry.address));
  return inside ? `refused: ${hostname} resolves to a private address (${inside.address})` : null;
}

/**
 * Whether endpoint `hostname` (a URL's `hostname`) may be saved: a refusal reason when it is a
 * local name, a private literal or a name that resolves to any private address, else null. A
 * name that does not resolve at all is not refused: DNS may be down or not yet set up, and
 * every delivery checks again where it connects. `lookupAll` is replaceable for tests.
 */
export async function resolvesPublicly(
  hostname: string,
  lookupAll: LookupAll = systemLookupAll,
): Promise<string | null> {
  const refusal = hostRefusal(hostname);
  if (refusal !== null || parseIpLiteral(hostname) !== null) return refusal;
  let addresses: readonly LookupAddress[];
  try {
    addresses = await lookupAll(hostname);
  } catch {
    return null;
  }
  return addressRefusal(hostname, addresses);
}

/**
 * The `lookup` a delivery connects with: it resolves the name once and refuses the connection
 * if ANY answer is private. Checking the very answer the socket then connects to is what stops
 * DNS rebinding (a name that resolves publicly when the endpoint is saved and privately when a
 * delivery goes out); refusing on any private answer stops a mixed answer from being raced.
 */
function publicOnlyLookup(lookupAll: LookupAll): LookupFunction {
  return (hostname, options, callback) => {
    lookupAll(hostname).then(
      (found) => {
        const family =
          options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const addresses = family ? found.filter((entry) => entry.family === family) : [...found];
        const refusal = addressRefusal(hostname, found);
        const first = addresses[0];
        if (refusal !== null) callback(new Error(refusal), '', 0);
        else if (!first) callback(lookupError(hostname), '', 0);
        else if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

function lookupError(hostname: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  error.code = 'ENOTFOUND';
  return error;
}

function shortText(error: unknown): string {
  const text = error instanceof Error ? error.message || String(error) : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/**
 * The transport of outbound webhooks: one POST per attempt over keep-alive agents (a busy
 * endpoint gets its deliveries over a few reused connections, not a handshake each), with
 * every attempt bounded by its timeout, redirects not followed (the specification counts a 3xx
 * as a failure), at most 1 KiB of the answer kept, and, unless `allowPrivate` (local
 * development and tests), no connection to anything but public addresses. `lookupAll` is
 * replaceable for tests of the DNS path.
 */
export function createWebhookSender(options: {
  allowPrivate: boolean;
  maxSocketsPerHost?: number;
  lookupAll?: LookupAll;
}): WebhookSender {
  const maxSockets = options.maxSocketsPerHost ?? 16;
  // Idle sockets are dropped after 4 s, before the 5 s keep-alive of Node's own servers (and
  // most others): a request sent on a socket the receiver is closing fails with ECONNRESET.
  const pool = { keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS };
  const agents = { http: new http.Agent(pool), https: new https.Agent(pool) };
  const lookup = options.allowPrivate
    ? undefined
    : publicOnlyLookup(options.lookupAll ?? systemLookupAll);

  function send(request: WebhookRequest): Promise<WebhookResponse> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const failure = (error: string): WebhookResponse => ({
      status: null,
      excerpt: null,
      durationMs: elapsed(),
      error,
    });

    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return Promise.resolve(failure('invalid URL'));
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.resolve(failure(`unsupported protocol ${url.protocol}`));
    }
    const refusal = options.allowPrivate ? null : hostRefusal(url.hostname);
    if (refusal !== null) return Promise.resolve(failure(refusal));
    const [transport, agent] =
      url.protocol === 'https:' ? [https, agents.https] : [http, agents.http];

    return new Promise((resolve) => {
      let settled = false;
      let responded = false;
      let req: ClientRequest | undefined;
      const settle = (response: WebhookResponse) => {
        if (settled) return;
        settled = true;
        resolve(response);
      };
      // One deadline for the whole attempt, and past it for draining the rest of the body.
      const timer = setTimeout(() => {
        settle(failure(`timed out after ${request.timeoutMs} ms`));
        req?.destroy();
      }, request.timeoutMs);
      const finish = () => clearTimeout(timer);

      const onResponse = (res: IncomingMessage) => {
        responded = true;
        const excerpt = new ExcerptCollector();
        const answer = (): WebhookResponse => ({
          status: res.statusCode ?? null,
          excerpt: excerpt.text(),
          durationMs: elapsed(),
          error: null,
        });
        res.on('data', (chunk: Buffer) => {
          excerpt.push(chunk);
          if (excerpt.full) settle(answer());
          if (excerpt.total > EXCERPT_BYTES + DRAIN_BYTES) {
            finish();
            res.destroy();
          }
        });
        res.on('end', () => {
          finish();
          settle(answer());
        });
        // A body cut short (the receiver closed the connection) still leaves its status.
        res.on('error', () => {});
        res.on('close', () => {
          finish();
          settle(answer());
        });
      };

      try {
        req = transport.request(url, {
          method: 'POST',
          agent,
          headers: {
            ...request.headers,
            'content-length': String(Buffer.byteLength(request.body)),
          },
          ...(lookup ? { lookup } : {}),
        });
      } catch (error) {
        finish();
        settle(failure(shortText(error)));
        return;
      }
      req.on('response', onResponse);
      req.on('error', (error) => {
        finish();
        settle(failure(shortText(error)));
      });
      req.on('close', () => {
        if (responded) return;
        finish();
        settle(failure('connection closed before a response'));
      });
      req.end(request.body);
    });
  }

  return {
    send,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
