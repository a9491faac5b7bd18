import { createLedgerClient, type LedgerClient } from '@ledger/client';
import { openDatabase } from '@ledger/db';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '@ledger/db/testing';
import { issueApiKey, systemClock } from '@ledger/domain';
import type { LedgerOverrides } from '../src/compose.js';
import { type Config, loadConfig } from '../src/env.js';
import { type RunningServer, startServer } from '../src/server.js';
import { scopeA, scopeB } from './support.js';

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

/** Starts a server on `database` with the test defaults, `env` and `overrides` on top. */
/** The tests' configuration: any free port, no billing timer, budgets out of reach, then `env`. */
function testConfig(env: Record<string, string>): Config {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LEDGER_BILLING_INTERVAL_MS: '0',
    ...UNREACHED_RATE_LIMITS,
    ...env,
  });
}

function startOn(
  database: TestDatabase,
  config: Config,
  overrides: LedgerOverrides,
): Promise<RunningServer> {
  return startServer(config, {
    database,
    logError: () => {},
    checkResponses: true,
    ...overrides,
  });
}

/**
 * Starts a server for one test file on `kind` (PGlite, or a new PostgreSQL database). `env` adds
 * configuration variables (e.g. `STRIPE_*`) on top of the test defaults.
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
  const server = await startOn(database, config, overrides);
  const keys = server.ledger.deps.platform;
  const keyA = (await issueApiKey(keys, systemClock, scopeA)).secret;
  const keyB = (await issueApiKey(keys, systemClock, scopeB)).secret;
  return testLedger(server, database, keyA, keyB);
}

/**
 * Another server process over the PostgreSQL database of `first`, with its own connection pool
 * and the same keys: for what several processes must share (billing claims, rate limits).
 * Closing it closes its own pool only; `first` still owns (and drops) the database.
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
  const server = await startOn(database, config, overrides);
  return testLedger(server, database, first.keyA, first.keyB);
}

/** The test's view of a running server: its database, its keys and how to call it. */
function testLedger(
  server: RunningServer,
  database: TestDatabase,
  keyA: string,
  keyB: string,
): TestLedger {
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
    rest,
    client: (key = keyA) => createLedgerClient({ url: server.url, apiKey: key }),
    close: () => server.close(),
  };
}
