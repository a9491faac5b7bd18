import { createLedgerClient, type LedgerClient } from '@ledger/client';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '@ledger/db/testing';
import { issueApiKey, systemClock } from '@ledger/domain';
import type { LedgerOverrides } from '../src/compose.js';
import { loadConfig } from '../src/env.js';
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
 * Starts a server for one test file on `kind` (PGlite, or a new PostgreSQL database). `env` adds
 * configuration variables (e.g. `STRIPE_*`) on top of the test defaults.
 */
export async function startTestLedger(
  kind: DatabaseKind,
  overrides: LedgerOverrides = {},
  env: Record<string, string> = {},
): Promise<TestLedger> {
  const database = await createTestDatabase(kind);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LEDGER_BILLING_INTERVAL_MS: '0',
    ...env,
  });
  const server = await startServer(config, {
    database,
    logError: () => {},
    checkResponses: true,
    ...overrides,
  });
  const keys = server.ledger.deps.platform;
  const keyA = (await issueApiKey(keys, systemClock, scopeA)).secret;
  const keyB = (await issueApiKey(keys, systemClock, scopeB)).secret;

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
    close: async () => {
      await server.close();
    },
  };
}
