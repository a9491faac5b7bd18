// A Ledger server for the ceiling bench, in a process of its own: `ledger serve` as `pnpm start`
// composes it (same config defaults, rate limits and the billing job off so the load measures
// requests, unless argv[3] is `rate-limited`), on the PostgreSQL URL or PGlite data directory
// given as argv[2]. It counts the SQL statements its pool sends (PostgreSQL) and answers its
// parent's questions over IPC.
import { cpSync } from 'node:fs';
import { basename } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { issueApiKey, systemClock } from '@ledger/domain';
import type { Sql } from 'postgres';
import { loadConfig } from '../src/env.js';
import { startServer } from '../src/server.js';
import { openConfiguredDatabase } from '../src/start-checks.js';
import { serveParent } from './child.js';

const target = process.argv[2] ?? '';
const onPostgres = target.startsWith('postgres');
/**
 * `rate-limited`: the budgets counted as by default (in PostgreSQL), but raised so that the
 * bench's load is never refused; otherwise off, so the load measures the requests alone.
 */
const budget = process.argv[3] === 'rate-limited' ? '1000000' : '0';

await serveParent(async () => {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LEDGER_BILLING_INTERVAL_MS: '0',
    LEDGER_RATE_LIMIT_READS: budget,
    LEDGER_RATE_LIMIT_WRITES: budget,
    LEDGER_RATE_LIMIT_INGEST: budget,
    LEDGER_LOG_LEVEL: 'silent',
    LEDGER_SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
    // The pool size `ledger serve` would take from the environment, if the bench is given one.
    LEDGER_DB_POOL_SIZE: process.env.LEDGER_DB_POOL_SIZE,
    ...(onPostgres ? { DATABASE_URL: target } : { LEDGER_DATA_DIR: target }),
  });
  let statements = 0;
  const database = await openConfiguredDatabase(config, 'the ceiling bench', {
    onStatement: () => {
      statements++;
    },
  });
  const server = await startServer(config, { database });
  const scope = { tenantId: 'bench', appId: 'app' };
  const { secret } = await issueApiKey(server.ledger.deps.platform, systemClock, scope);
  const client = (database.db as unknown as { $client: Sql | PGlite }).$client;
  const query = async (text: string): Promise<unknown[]> =>
    'unsafe' in client ? [...(await client.unsafe(text))] : (await client.query(text)).rows;
  return {
    ready: { url: server.url, secret, ...scope },
    handlers: {
      statements: async () => statements,
      sql: query,
      // A copy of the PGlite data directory for the ceiling to open: after a CHECKPOINT, copied
      // synchronously, so no statement of this process runs in between; without this process's
      // lock file and admin socket.
      copy: async (to) => {
        if (!database.dataDir) throw new Error('copy is for PGlite on disk');
        await query('CHECKPOINT');
        const skip = new Set(['ledger.lock', 'admin']);
        cpSync(database.dataDir, to, {
          recursive: true,
          filter: (from) => !skip.has(basename(from)),
        });
        return to;
      },
    },
    close: async () => void (await server.close()),
  };
});
