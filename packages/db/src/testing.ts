import { randomBytes } from 'node:crypto';
import {
  builtInTax,
  noBillingGuards,
  noEventHandlers,
  noPayments,
  noWebhookSecrets,
  offlineTaxIdVerifier,
  portalLinksAt,
  referenceFx,
  type Scope,
  type ServiceContext,
  silentLogger,
  systemClock,
  typeIdGenerator,
} from '@ledger/domain';
import postgres from 'postgres';
import { type Database, openDatabase } from './database.js';
import { createStore } from './store/index.js';

/** The databases a store test runs on. */
export type DatabaseKind = 'pglite' | 'postgres';

/**
 * PGlite always; PostgreSQL when `DATABASE_URL` is set. In CI (`CI=true`) a missing URL is an
 * error rather than a silent skip: the PostgreSQL half of the suite must run there.
 */
export function testDatabaseKinds(): DatabaseKind[] {
  if (process.env.DATABASE_URL) return ['pglite', 'postgres'];
  if (process.env.CI === 'true') {
    throw new Error('CI=true but DATABASE_URL is not set: the PostgreSQL tests would not run');
  }
  return ['pglite'];
}

/** The PostgreSQL server URL for tests, or an error saying how to set it. */
export function postgresUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  return url;
}

/**
 * Real faults for a PostgreSQL test database, made by the server itself: `cut` terminates every
 * connection to it and refuses new ones (as a restart or a network cut would), `restore` lets
 * connections in again.
 */
export interface DatabaseFaults {
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Terminates every connection once (a network blip, a failover); new ones are let in. */
  terminate(): Promise<void>;
}

/**
 * A test database; on PostgreSQL also its URL (for a second server process to open) and the
 * faults that cut it off and restore it.
 */
export type TestDatabase = Database & { url?: string; faults?: DatabaseFaults };

/** A new, empty database on the PostgreSQL server of `DATABASE_URL`, and how to drop it again. */
export interface ScratchPostgres {
  /** Its URL: for a test that hands it to another process (e.g. a spawned `ledger serve`). */
  url: string;
  faults: DatabaseFaults;
  /** Drops the database, ending every connection to it still open. */
  drop(): Promise<void>;
}

/**
 * Creates an empty database of its own on the test PostgreSQL server (not migrated: whoever
 * opens it migrates), so a test never shares state with another test file.
 */
export async function createScratchPostgres(): Promise<ScratchPostgres> {
  const serverUrl = postgresUrl();
  const name = `ledger_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const others = `datname = '${name}' AND pid <> pg_backend_pid()`;
  // Every connection that holds no lock another waits on goes first, each waited for until it
  // is gone; the lock holders last. Ended in one sweep, a holder could end first and let a waiter
  // run to an answer before its own connection is cut, which no real cut would allow after the
  // test saw it waiting; and a read whose connection was cut is tried again on another pooled
  // one, so those must be gone too before any lock is released.
  const terminate = async () => {
    const cut = await admin.unsafe<Array<{ pid: number }>>(
      `SELECT pid FROM pg_stat_activity WHERE ${others}
         AND pid <> ALL (SELECT unnest(pg_blocking_pids(w.pid)) FROM pg_stat_activity w
                         WHERE w.datname = '${name}')`,
    );
    const pids = cut.map((row) => row.pid);
    const listed = `'{${pids.join(',')}}'::int[]`;
    if (pids.length > 0)
      await admin.unsafe(`SELECT pg_terminate_backend(pid) FROM unnest(${listed}) AS pid`);
    for (let waited = 0; pids.length > 0 && waited < 5000; waited += 5) {
      const [left] = await admin.unsafe<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY(${listed})`,
      );
      if (!left?.n) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await admin.unsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${others}`);
  };
  return {
    url: url.toString(),
    faults: {
      async cut() {
        await admin.unsafe(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        await terminate();
      },
      terminate,
      async restore() {
        await admin.unsafe(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      },
    },
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * A fresh, migrated database of `kind` for one test file: PGlite in memory, or a new database
 * on the PostgreSQL server (dropped again on close), so test files never share state. Its pool
 * has 20 connections unless `poolSize` says otherwise (1: every statement on one session).
 */
export async function createTestDatabase(
  kind: DatabaseKind,
  options: { statementTimeoutMs?: number; poolSize?: number } = {},
): Promise<TestDatabase> {
  if (kind === 'pglite') return openDatabase({});
  const scratch = await createScratchPostgres();
  const database = await openDatabase({
    url: scratch.url,
    poolSize: options.poolSize ?? 20,
    statementTimeoutMs: options.statementTimeoutMs,
  });
  return {
    ...database,
    url: scratch.url,
    faults: scratch.faults,
    async close() {
      await database.close();
      await scratch.drop();
    },
  };
}

/**
 * A service context over `database` with the offline default ports (no processor, no billing
 * guards, shipped tax and FX tables, a silent logger), for store tests that call the domain verbs
 * directly.
 */
export function testServiceContext(database: Database, scope: Scope): ServiceContext {
  return {
    store: createStore(database.db),
    clock: systemClock,
    ids: typeIdGenerator,
    events: noEventHandlers,
    guards: noBillingGuards,
    payments: noPayments,
    tax: builtInTax('US'),
    fx: referenceFx,
    taxIdVerifier: offlineTaxIdVerifier,
    logger: silentLogger,
    webhookSecrets: noWebhookSecrets,
    webhookUrls: { refusal: async () => null },
    portalLinks: portalLinksAt('http://127.0.0.1:3000'),
    scope,
  };
}
