import { type Database, type DatabaseConfig, openDatabase } from '@ledger/db';
import type { Config } from './env.js';

/**
 * Opens the configured database for `holder` (the command, named to a second process refused the
 * same PGlite data directory); a PostgreSQL that cannot be reached is reported with the variable
 * that chose it (and without the password of its URL). `onStatement` hears every statement the
 * PostgreSQL pool sends (the bench counts them); `embedded` is the PGlite `ledger serve` booted
 * while its modules loaded.
 */
export async function openConfiguredDatabase(
  config: Config,
  holder: string,
  { onStatement, embedded }: Pick<DatabaseConfig, 'onStatement' | 'embedded'> = {},
): Promise<Database> {
  try {
    return await openDatabase({
      url: config.DATABASE_URL,
      dataDir: config.LEDGER_DATA_DIR,
      statementTimeoutMs: config.LEDGER_DB_STATEMENT_TIMEOUT_MS,
      poolSize: config.LEDGER_DB_POOL_SIZE,
      holder,
      onStatement,
      embedded,
    });
  } catch (error) {
    if (!config.DATABASE_URL) throw error;
    const url = new URL(config.DATABASE_URL);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `DATABASE_URL: cannot use PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname} (${reason}).`,
      { cause: error },
    );
  }
}
