// The in-process benches' Ledger: one server on a fresh test database, with an API key.
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '@ledger/db/testing';
import { issueApiKey, type Scope, systemClock } from '@ledger/domain';
import { loadConfig } from '../src/env.js';
import { type RunningServer, startServer } from '../src/server.js';

/** A fixed key, so the embedded default writes no `secret.key` into the repository. */
const BENCH_SECRET_KEY = 'bench-secret-key-not-for-production-use';

/** A started bench server, its database, and calls made with its key. */
export interface BenchLedger {
  server: RunningServer;
  database: TestDatabase;
  scope: Scope;
  /** The API key's `Authorization` and a JSON `Content-Type`. */
  headers: Record<string, string>;
  /** `method path` with `body` as JSON; any status of 300 or more fails the run. */
  call<T = { id: string } & Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T>;
}

/**
 * Starts Ledger with what a bench must not measure turned off: the billing job, logging and
 * the per-key rate limits (a budget of 100 requests/s would cap the figure, not measure it).
 * `env` adds to that or overrides it.
 */
export async function startBenchLedger(
  kind: DatabaseKind,
  env: Record<string, string> = {},
): Promise<BenchLedger> {
  const database = await createTestDatabase(kind);
  const server = await startServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LEDGER_BILLING_INTERVAL_MS: '0',
      LEDGER_SECRET_KEY: BENCH_SECRET_KEY,
      LEDGER_LOG_LEVEL: 'silent',
      LEDGER_RATE_LIMIT_READS: '0',
      LEDGER_RATE_LIMIT_WRITES: '0',
      LEDGER_RATE_LIMIT_INGEST: '0',
      ...env,
    }),
    { database },
  );
  const scope = { tenantId: 'bench', appId: 'app' };
  const { secret } = await issueApiKey(server.ledger.deps.platform, systemClock, scope);
  const headers = { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' };
  return {
    server,
    database,
    scope,
    headers,
    async call<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text) as T;
    },
  };
}
