import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLedgerClient, type LedgerClient } from '@ledger/client';
import { openDatabase } from '@ledger/db';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '@ledger/db/testing';
import { issueApiKey, systemClock } from '@ledger/domain';
import { pino } from 'pino';
import { inject } from 'vitest';
import type { LedgerOverrides } from '../src/compose.js';
import type { DrainReport } from '../src/drain.js';
import { type Config, loadConfig } from '../src/env.js';
import { type RunningServer, startServer } from '../src/server.js';
import { type Forbidden, logFiles, recordForbidden } from './log-audit.js';
import { rowsOf, scopeA, scopeB, TEST_SECRET_KEY } from './support.js';

/** One parsed line of a test server's log. */
export type LogLine = Record<string, unknown>;

/** A test server's log: its id, its file in the run's log directory, and pino's destination. */
export interface TestLog {
  id: string;
  file: string;
  destination: ReturnType<typeof pino.destination>;
}

/**
 * A new log file in the run's log directory (test/log-setup.ts), written synchronously so a test
 * can read what was just logged. Every test server logs here, at `trace`, for the audit.
 */
export function openTestLog(): TestLog {
  const id = randomUUID();
  const file = logFiles(inject('ledgerLogDir'), id).log;
  return { id, file, destination: pino.destination({ dest: file, sync: true }) };
}

/** The lines of a log file so far. */
export function readLog(file: string): LogLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

/**
 * What the log of a server over `database` must never contain: every customer's email and name
 * and every API key hash stored there, and the `secrets` of the keys the test holds. The queries
 * are issued at once, so they run before a close that starts right after closes the database.
 */
async function forbiddenIn(database: TestDatabase, secrets: string[]): Promise<Forbidden[]> {
  // Read twice at most: after a fault test, a pooled connection may have been dropped.
  const read = (query: string) =>
    database.db.execute(query).catch(() => database.db.execute(query));
  const [customers, keys] = await Promise.all([
    read('select email, name from customers'),
    read('select key_hash from api_keys'),
  ]);
  return [
    ...rowsOf(customers).flatMap((row) => [
      { kind: 'email' as const, value: String(row.email) },
      { kind: 'name' as const, value: String(row.name) },
    ]),
    ...rowsOf(keys).map((row) => ({ kind: 'key hash' as const, value: String(row.key_hash) })),
    ...secrets.map((value) => ({ kind: 'api key' as const, value })),
  ];
}

/** A REST response: status, headers and the parsed JSON body (null for an empty body). */
export interface RestResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Options of one REST call. */
export interface RestCall {
  key?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A real Ledger server on 127.0.0.1:0 over a fresh database, with keys for two tenants. */
export interface TestLedger {
  url: string;
  server: RunningServer;
  /** The server's database; on PostgreSQL its `faults` cut and restore connections. */
  database: TestDatabase;
  /** Tenant A's key, of `scopeA` (the default for calls). */
  keyA: string;
  /** Tenant B's key, of `scopeB`: a different scope on the same server. */
  keyB: string;
  /** The server's log file (JSON lines, level `trace`). */
  logFile: string;
  /** The lines the server has logged so far. */
  logLines(): LogLine[];
  rest<T = Record<string, unknown>>(
    method: string,
    path: string,
    call?: RestCall,
  ): Promise<RestResponse<T>>;
  client(key?: string): LedgerClient;
  close(): Promise<void>;
}

/**
 * Rate limit budgets far above what any test sends (the fuzz and load tests send hundreds of
 * requests a second under one key, and many bad keys from one address), so the limiter runs on
 * every request, on PostgreSQL with its shared counters, without refusing any. A test of the
 * limits sets its own through `env`.
 */
const UNREACHED_RATE_LIMITS = {
  LEDGER_RATE_LIMIT_READS: '1000000',
  LEDGER_RATE_LIMIT_WRITES: '1000000',
  LEDGER_RATE_LIMIT_INGEST: '1000000',
  LEDGER_RATE_LIMIT_AUTH_FAILURES: '1000000',
};

/** The tests' configuration: any free port, no billing timer, logs at `trace`, budgets out of reach, then `env`. */
function testConfig(env: Record<string, string>): Config {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LEDGER_BILLING_INTERVAL_MS: '0',
    LEDGER_LOG_LEVEL: 'trace',
    LEDGER_SECRET_KEY: TEST_SECRET_KEY,
    // Test receivers listen on 127.0.0.1; the private-address refusal has its own tests.
    LEDGER_WEBHOOK_ALLOW_PRIVATE: 'true',
    ...UNREACHED_RATE_LIMITS,
    ...env,
  });
}

/** A test server on `database`, logging to a new file of the run and checking its answers. */
async function startLogged(database: TestDatabase, config: Config, overrides: LedgerOverrides) {
  const log = openTestLog();
  const running = await startServer(config, {
    database,
    logDestination: log.destination,
    checkResponses: true,
    ...overrides,
  });
  return { running, log };
}

/**
 * Starts a server for one test file on `kind` (PGlite, or a new PostgreSQL database). `env` adds
 * configuration variables (e.g. `STRIPE_*`) on top of the test defaults. The server logs at
 * `trace` to its own file; closing it records what that log must not contain (log-audit.ts).
 */
export async function startTestLedger(
  kind: DatabaseKind,
  overrides: LedgerOverrides = {},
  env: Record<string, string> = {},
): Promise<TestLedger> {
  const config = testConfig(env);
  const database = await createTestDatabase(kind, {
    statementTimeoutMs: config.LEDGER_DB_STATEMENT_TIMEOUT_MS,
  });
  const { running, log } = await startLogged(database, config, overrides);
  const keys = running.ledger.deps.platform;
  const keyA = (await issueApiKey(keys, systemClock, scopeA)).secret;
  const keyB = (await issueApiKey(keys, systemClock, scopeB)).secret;
  return testLedger(running, database, log, keyA, keyB);
}

/**
 * Another server process over the PostgreSQL database of `first`, with its own connection pool,
 * its own log and the same keys: for what several processes must share (billing claims, rate
 * limits). Closing it closes its own pool only; `first` still owns (and drops) the database.
 */
export async function joinTestLedger(
  first: TestLedger,
  overrides: LedgerOverrides = {},
  env: Record<string, string> = {},
): Promise<TestLedger> {
  const { url, faults } = first.database;
  if (!url) throw new Error('Only a PostgreSQL test database can serve a second server');
  const config = testConfig(env);
  const database: TestDatabase = {
    ...(await openDatabase({
      url,
      poolSize: 10,
      statementTimeoutMs: config.LEDGER_DB_STATEMENT_TIMEOUT_MS,
    })),
    faults,
  };
  const { running, log } = await startLogged(database, config, overrides);
  return testLedger(running, database, log, first.keyA, first.keyB);
}

/** The test's view of a running server: its database, its log, its keys and how to call it. */
function testLedger(
  running: RunningServer,
  database: TestDatabase,
  log: TestLog,
  keyA: string,
  keyB: string,
): TestLedger {
  let closing: Promise<DrainReport> | undefined;
  /** Closes once (however it is asked), recording the log's forbidden values on the way. */
  function close(): Promise<DrainReport> {
    closing ??= (async () => {
      const [forbidden, closed] = await Promise.allSettled([
        forbiddenIn(database, [keyA, keyB]),
        running.close(),
      ]);
      log.destination.end();
      if (closed.status === 'rejected') throw closed.reason;
      if (forbidden.status === 'rejected') throw forbidden.reason;
      recordForbidden(inject('ledgerLogDir'), log.id, forbidden.value);
      return closed.value;
    })();
    return closing;
  }
  const server: RunningServer = { ...running, close };

  async function rest<T>(
    method: string,
    path: string,
    call: RestCall = {},
  ): Promise<RestResponse<T>> {
    const headers: Record<string, string> = { ...call.headers };
    const key = call.key === undefined ? keyA : call.key;
    if (key !== null) headers.Authorization = `Bearer ${key}`;
    let body: string | undefined = call.rawBody;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(`${server.url}${path}`, { method, headers, body });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : null) as T,
      text,
    };
  }

  return {
    url: server.url,
    database,
    server,
    keyA,
    keyB,
    logFile: log.file,
    logLines: () => readLog(log.file),
    rest,
    client: (key = keyA) => createLedgerClient({ url: server.url, apiKey: key }),
    close: async () => {
      await close();
    },
  };
}
