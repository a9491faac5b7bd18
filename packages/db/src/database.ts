import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { bootEmbedded, type EmbeddedBoot } from './boot.js';
import type { HolderDetails } from './data-dir-lock.js';
import { withNamedStatements } from './pglite-statements.js';
import { MIGRATIONS_FOLDER as migrationsFolder } from './pglite-template.js';
import * as schema from './schema/index.js';
import { keepStatistics } from './statistics.js';

/** The drizzle handle both drivers share; the query layer is written once against it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database: the drizzle handle, which driver it uses, and how to close it. */
export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** One round trip (`SELECT 1`): resolves when the database answers, rejects otherwise. */
  ping(): Promise<void>;
  /** The PGlite data directory this process holds the lock of; null in memory and on PostgreSQL. */
  dataDir: string | null;
  /**
   * Adds where this process can be reached (its URL, its admin socket) to the data directory's
   * lock file, so that a second process, refused, can tell its user. A no-op without one.
   */
  advertise(details: HolderDetails): void;
  /**
   * LISTEN on `channel`: `onNotify` gets each payload NOTIFY sends there once its transaction
   * commits, from any process (PostgreSQL) or this one (PGlite, whose data directory only this
   * process opens). `onListen` runs each time listening starts, again after a lost connection
   * (notifications sent meanwhile are lost). Lets caches hear of changes made elsewhere.
   */
  listen(channel: string, onNotify: (payload: string) => void, onListen: () => void): Promise<void>;
  /**
   * Analyzes now the tables whose planner statistics are missing or stale and that nothing else
   * analyzes (PGlite has no autovacuum; on PostgreSQL, those autovacuum is off for), and names
   * them; a background pass does the same every few seconds.
   */
  refreshStatistics(): Promise<string[]>;
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
  /** What the opening process runs (`ledger serve`), recorded in a data directory's lock file. */
  holder?: string;
  /**
   * PostgreSQL only: called with the text of every statement the pool sends (transaction
   * control included, migrations not), so the bench counts statements per request instead of
   * guessing them. Unset, postgres.js is given no hook and pays nothing.
   */
  onStatement?: ((sql: string) => void) | undefined;
  /** PGlite only: a boot already under way (`bootEmbedded`), opened instead of `dataDir`. */
  embedded?: EmbeddedBoot | undefined;
}

/** Serialises migrations when several server processes start at once against one PostgreSQL. */
const MIGRATION_LOCK = 7_318_004_211;

async function openPostgres(
  url: string,
  poolSize: number,
  statementTimeoutMs: number | undefined,
  onStatement: ((sql: string) => void) | undefined,
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
    ...(onStatement ? { debug: (_connection: number, query: string) => onStatement(query) } : {}),
    ...(statementTimeoutMs === undefined
      ? {}
      : {
          connection: {
            statement_timeout: statementTimeoutMs,
            idle_in_transaction_session_timeout: statementTimeoutMs,
          },
        }),
  });
  // Tables autovacuum leaves alone (it is off, for the server or for them) are analyzed here.
  const statistics = keepStatistics(
    async <T extends Record<string, unknown>>(text: string) => [
      ...(await client.unsafe<T[]>(text)),
    ],
    'autovacuum-off',
  );
  await statistics.refresh().catch(async (error: unknown) => {
    await statistics.stop();
    await client.end({ timeout: 5 });
    throw error;
  });
  return {
    db: drizzlePostgres(client, { schema }) as unknown as Db,
    kind: 'postgres',
    ping: async () => {
      await client`SELECT 1`;
    },
    dataDir: null,
    advertise: () => {},
    listen: async (channel, onNotify, onListen) => {
      await client.listen(channel, onNotify, onListen);
    },
    refreshStatistics: () => statistics.refresh(),
    close: async () => {
      await statistics.stop();
      await client.end({ timeout: 5 });
    },
  };
}

/**
 * Whether the committed migrations hold one newer than the last applied, by drizzle's own rule:
 * its migrator applies each journal entry whose `when` is later than the newest `created_at` in
 * `drizzle.__drizzle_migrations`. One read, so a restart with nothing to apply skips the
 * migrator's statements (two of them DDL; some 50 ms of every embedded start).
 */
async function hasPendingMigrations(client: PGlite): Promise<boolean> {
  const journal = JSON.parse(
    readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8'),
  ) as { entries: { when: number }[] };
  let applied: number;
  try {
    const { rows } = await client.query<{ created_at: string | null }>(
      'SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1',
    );
    applied = Number(rows[0]?.created_at ?? Number.NEGATIVE_INFINITY);
  } catch {
    return true; // No migrations table yet.
  }
  return journal.entries.some((entry) => entry.when > applied);
}

/**
 * PGlite in `dataDir` (locked for this process: a second one is refused with
 * `DataDirInUseError`), or in memory; or the boot `embedded` already started.
 */
async function openPglite(
  dataDir: string | undefined,
  holder: string,
  embedded: EmbeddedBoot | undefined,
): Promise<Database> {
  const boot = embedded ?? bootEmbedded(dataDir, holder);
  const { client, lock } = boot.claim();
  try {
    const db = drizzlePglite(withNamedStatements(client), { schema });
    if (await hasPendingMigrations(client)) await migratePglite(db, { migrationsFolder });
    // Statistics before the first request (tables that grew since the last run), then kept.
    const statistics = keepStatistics(
      async <T extends Record<string, unknown>>(text: string) => (await client.query<T>(text)).rows,
      'all',
    );
    await statistics.refresh().catch(async (error: unknown) => {
      await statistics.stop();
      throw error;
    });
    return {
      db: db as unknown as Db,
      kind: 'pglite',
      ping: async () => {
        await client.query('SELECT 1');
      },
      dataDir: boot.dataDir ? resolve(boot.dataDir) : null,
      advertise: (details) => lock?.advertise(details),
      listen: async (channel, onNotify, onListen) => {
        await client.listen(channel, onNotify);
        onListen();
      },
      refreshStatistics: () => statistics.refresh(),
      close: async () => {
        try {
          await statistics.stop();
          await client.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    await client.close().catch(() => {});
    lock?.release();
    throw error;
  }
}

/**
 * Opens the database and applies the committed migrations: PostgreSQL through postgres.js when a
 * URL is given, otherwise the embedded PGlite (a data directory on disk, or memory for tests).
 */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  return config.url
    ? openPostgres(config.url, config.poolSize ?? 10, config.statementTimeoutMs, config.onStatement)
    : openPglite(config.dataDir, config.holder ?? 'a Ledger process', config.embedded);
}
