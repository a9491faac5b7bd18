import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { serve } from '@hono/node-server';
import { camelParam, errorEnvelope } from '@ledger/api';
import { LedgerError, newId } from '@ledger/domain';
import { openAdminChannel } from './admin-channel.js';
import { composeLedger, type Ledger, type LedgerOverrides } from './compose.js';
import { type DrainReport, drainable } from './drain.js';
import type { Config } from './env.js';
import type { ServerLog } from './logger.js';
import { checkPortFree, portError } from './port-check.js';

/** A running server: where it listens, the composed Ledger, and a graceful `close`. */
export interface RunningServer {
  url: string;
  port: number;
  ledger: Ledger;
  /**
   * Stops accepting connections and answers the requests already on one (for up to
   * `LEDGER_SHUTDOWN_TIMEOUT_MS`, then what is left is cut), stops the billing job and event
   * delivery at a safe point, and closes the database. Idempotent; the report says how many
   * connections had to be cut.
   */
  close(): Promise<DrainReport>;
}

/**
 * Limits that keep one client from holding a connection: the request line and headers may be
 * 32 KiB (a long query string counts) and must arrive within 10 s, a whole request within 30 s.
 */
const SERVER_OPTIONS = {
  maxHeaderSize: 32 * 1024,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
} as const;

/**
 * What Node's HTTP parser refuses before any route runs (headers over the limit, a malformed
 * request) still gets the error envelope, then the connection is closed; its log line has the
 * status and request id (there is no route, and nothing of the request is logged).
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, log: ServerLog): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const requestId = newId('request');
  const { status, body } = errorEnvelope(
    tooLarge
      ? new LedgerError(
          'headers_too_large',
          'The request line and headers are over 32 KiB (send long filters in fewer, shorter parameters)',
        )
      : new LedgerError('invalid_input', 'The HTTP request could not be parsed'),
    requestId,
    camelParam,
  );
  log.info(
    { route: '(unparsed)', status, request_id: requestId, code: error.code },
    'request refused before routing',
  );
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
}

/** Starts Ledger's HTTP server (port 0 picks a free port). */
export async function startServer(
  config: Config,
  overrides: LedgerOverrides = {},
): Promise<RunningServer> {
  await checkPortFree(config);
  const ledger = await composeLedger(config, overrides);
  const server = serve({
    fetch: ledger.app.fetch,
    port: config.PORT,
    hostname: config.HOST,
    serverOptions: SERVER_OPTIONS,
  }) as Server;
  const http = drainable(server);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket, ledger.log),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    // Taken between the check and now: still a message, and the database is closed again.
    server.once('error', (error: NodeJS.ErrnoException) => {
      ledger.close().finally(() => reject(portError(config, error)));
    });
  });
  // Idle keep-alive sockets stay open longer than any client keeps them (undici: 4 s), so the
  // server never closes one just as a client sends on it (an ECONNRESET for that request).
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST}:${port}`;
  ledger.listeningAt(url);
  const { database, deps } = ledger;
  const admin = database.dataDir
    ? await openAdminChannel(database.dataDir, deps.platform, deps.clock, (message) =>
        deps.logger.warn(message),
      )
    : null;
  database.advertise({ url, ...(admin ? { admin: admin.path } : {}) });
  let closing: Promise<DrainReport> | undefined;
  return {
    url,
    port,
    ledger,
    close() {
      closing ??= (async () => {
        // No billing run starts from now on; one in progress stops at its next safe point.
        const billing = ledger.billing.stop();
        const [report] = await Promise.all([
          http.drain(config.LEDGER_SHUTDOWN_TIMEOUT_MS),
          admin?.close(),
          billing,
        ]);
        await ledger.close();
        return report;
      })();
      return closing;
    },
  };
}
