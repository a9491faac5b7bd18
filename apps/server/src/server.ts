import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { composeLedger, type Ledger, type LedgerOverrides } from './compose.js';
import type { Config } from './env.js';
import { checkPortFree, portError } from './start-checks.js';

/** A running server: where it listens, the composed Ledger, and a graceful `close`. */
export interface RunningServer {
  url: string;
  port: number;
  ledger: Ledger;
  /** Stops accepting, lets in-flight requests finish, stops event delivery, closes the database. */
  close(): Promise<void>;
}

/** Starts Ledger's HTTP server (port 0 picks a free port). */
export async function startServer(
  config: Config,
  overrides: LedgerOverrides = {},
): Promise<RunningServer> {
  await checkPortFree(config);
  const ledger = await composeLedger(config, overrides);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: ledger.app.fetch, port: config.PORT, hostname: config.HOST }, () =>
      resolve(s),
    );
    // Taken between the check and now: still a message, and the database is closed again.
    s.once('error', (error: NodeJS.ErrnoException) => {
      ledger.close().finally(() => reject(portError(config, error)));
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    ledger,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Busy sockets finish their request; each one that turns idle (keep-alive) is closed
          // at once instead of holding shutdown open until the client lets go.
          const http = server as Server;
          const sweep = setInterval(() => http.closeIdleConnections(), 25);
          http.once('close', () => clearInterval(sweep));
          http.closeIdleConnections();
        });
        await ledger.close();
      })();
      return closing;
    },
  };
}
