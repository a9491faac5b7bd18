import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index.js';

/** The drizzle handle both drivers share; the query layer is written once against it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database: the drizzle handle, which driver it uses, and how to close it. */
export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** One round trip (`SELECT 1`): resolves when the database answers, rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Where to connect: a PostgreSQL URL, else PGlite in `dataDir` (or in memory when omitted). */
export interface DatabaseConfig {
  url?: string | undefined;
  dataDir?: string | undefined;
  /** Connections in the postgres.js pool. */
  poolSize?: number;
  /**
   * PostgreSQL only: `statement_timeout` and `idle_in_transaction_session_timeout` of every
   * connection, so no statement or abandoned transaction holds locks without bound. Unset: none.
   */
  statementTimeoutMs?: number | undefined;
}

const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));
/** Serialises migrations when several server processes start at once against one PostgreSQL. */
const MIGRATION_LOCK = 7_318_004_211;

async function openPostgres(
  url: string,
  poolSize: number,
  statementTimeoutMs: number | undefined,
): Promise<Database> {
  const lockClient = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await lockClient`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzlePostgres(lockClient, { schema }), { migrationsFolder });
  } finally {
    await lockClient.end();
  }
  // fetch_types off: Ledger stores no PostgreSQL arrays, and the type query every new
  // connection would run first rejects unhandled when that connection is cut mid-way.
  const client = postgres(url, {
    max: poolSize,
    onnotice: () => {},
    fetch_types: false,
    ...(statementTimeoutMs === undefined
      ? {}
      : {
          connection: {
            statement_timeout: statementTimeoutMs,
            idle_in_transaction_session_timeout: statementTimeoutMs,
          },
        }),
  });
  return {
    db: drizzlePostgres(client, { schema }) as unknown as Db,
    kind: 'postgres',
    ping: async () => {
      await client`SELECT 1`;
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    ping: async () => {
      await client.query('SELECT 1');
    },
    close: () => client.close(),
  };
}

/**
 * Opens the database and applies the committed migrations: PostgreSQL through postgres.js when a
 * URL is given, otherwise the embedded PGlite (a data directory on disk, or memory for tests).
 */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  return config.url
    ? openPostgres(config.url, config.poolSize ?? 10, config.statementTimeoutMs)
    : openPglite(config.dataDir);
}
