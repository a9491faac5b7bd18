import { join } from 'node:path';
import { createScratchPostgres } from '@ledger/db/testing';
import { expect } from 'vitest';
import { keysIn, ledger, type Served } from './processes.js';
import { TEST_SECRET_KEY } from './support.js';

/** The configuration that puts a spawned server on this database, and a key of its dev scope. */
export interface Deployment {
  env: Record<string, string>;
  key: string;
  drop(): Promise<void>;
}

/** The bursts of these tests are about faults, not budgets: a spawned server's limits are off. */
export const NO_RATE_LIMITS = {
  LEDGER_RATE_LIMIT_READS: '0',
  LEDGER_RATE_LIMIT_WRITES: '0',
  LEDGER_RATE_LIMIT_INGEST: '0',
};

/** Test receivers listen on 127.0.0.1, which a spawned server delivers to only when told so. */
const PRIVATE_WEBHOOKS = { LEDGER_WEBHOOK_ALLOW_PRIVATE: 'true' };

/**
 * Where a spawned `ledger serve` runs: a PGlite data directory under `root` (with `devKey` as its
 * dev key), or a scratch PostgreSQL database with a key created by `ledger api-keys create`.
 */
export async function deploy(kind: string, root: string, devKey: string): Promise<Deployment> {
  if (kind === 'pglite') {
    return {
      // No LEDGER_SECRET_KEY: PGlite makes its own in the data directory and keeps it.
      env: {
        LEDGER_DATA_DIR: join(root, 'data'),
        LEDGER_DEV_API_KEY: devKey,
        ...NO_RATE_LIMITS,
        ...PRIVATE_WEBHOOKS,
      },
      key: devKey,
      drop: async () => {},
    };
  }
  const scratch = await createScratchPostgres();
  const env = {
    DATABASE_URL: scratch.url,
    LEDGER_SECRET_KEY: TEST_SECRET_KEY,
    ...NO_RATE_LIMITS,
    ...PRIVATE_WEBHOOKS,
  };
  const created = await ledger(['api-keys', 'create', '--tenant', 'dev', '--app', 'default'], env);
  expect(created.code, created.stderr).toBe(0);
  return { env, key: keysIn(created.stdout)[0] as string, drop: () => scratch.drop() };
}

/** Every customer id of the dev scope, page by page. */
export async function storedIds(served: Served, key: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await fetch(
      `${served.url}/ledger/customers?limit=100${cursor ? `&starting_after=${cursor}` : ''}`,
      { headers: { Authorization: `Bearer ${key}` } },
    );
    expect(page.status).toBe(200);
    const body = (await page.json()) as {
      data: Array<{ id: string }>;
      pagination: { next_cursor: string | null };
    };
    ids.push(...body.data.map((c) => c.id));
    cursor = body.pagination.next_cursor;
  } while (cursor);
  return ids;
}
