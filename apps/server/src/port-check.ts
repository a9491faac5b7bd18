import { createServer } from 'node:net';
import type { Config } from './env.js';

/**
 * Fails fast, naming `PORT`, when the port is taken: checked before the database is opened, so
 * a second `ledger serve` does not first open (and on PGlite, contend for) the data directory.
 * Port 0 (any free port) is never taken.
 */
export async function checkPortFree(config: Pick<Config, 'PORT' | 'HOST'>): Promise<void> {
  if (config.PORT === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(portError(config, error)));
    probe.listen({ port: config.PORT, host: config.HOST, exclusive: true }, () =>
      probe.close(() => resolve()),
    );
  });
}

/** A listen failure in words: which setting to change. */
export function portError(
  config: Pick<Config, 'PORT' | 'HOST'>,
  error: NodeJS.ErrnoException,
): Error {
  if (error.code === 'EADDRINUSE') {
    return new Error(
      `PORT ${config.PORT} on ${config.HOST} is already in use by another process: stop it, or set PORT to a free port (PORT=0 picks one).`,
      { cause: error },
    );
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new Error(`HOST ${config.HOST} is not an address of this machine.`, { cause: error });
  }
  if (error.code === 'EACCES') {
    return new Error(
      `PORT ${config.PORT} needs privileges this process lacks: use a port above 1023.`,
      {
        cause: error,
      },
    );
  }
  return error;
}
