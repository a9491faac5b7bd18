import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabaseKinds } from '@ledger/db/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deployment, deploy } from './deployments.js';
import { killChildren, type Served, serve } from './processes.js';
import { holdOpen } from './support.js';
import { type Api, call, until } from './webhook-fleet.js';

/**
 * `LEDGER_DB_POOL_SIZE` bounds the PostgreSQL connections of a `ledger serve` process: with the
 * customers table locked, a burst of creates waits on as many connections as the pool has and
 * no more, and every one of them is answered once the lock goes.
 */

const POOL_SIZE = 3;
const BURST = 12;

describe.runIf(testDatabaseKinds().includes('postgres'))('LEDGER_DB_POOL_SIZE', () => {
  let root: string;
  let deployment: Deployment;
  let served: Served;
  let api: Api;
  let admin: postgres.Sql;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ledger-pool-'));
    deployment = await deploy('postgres', root, 'unused-on-postgres');
    served = await serve({ ...deployment.env, LEDGER_DB_POOL_SIZE: String(POOL_SIZE) });
    api = { url: served.url, key: deployment.key };
    admin = postgres(deployment.env.DATABASE_URL ?? '', { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await served?.stop();
    killChildren();
    await admin?.end();
    await deployment?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('waits on at most that many connections, and answers every request', async () => {
    // The key is looked up (and cached) before the table is locked.
    expect((await call(api, 'GET', '/ledger/customers')).status).toBe(200);
    const release = await holdOpen((hold) =>
      admin.begin(async (tx) => {
        await tx`LOCK TABLE customers IN ACCESS EXCLUSIVE MODE`;
        await hold();
      }),
    );
    const creates = Array.from({ length: BURST }, (_, i) =>
      call(api, 'POST', '/ledger/customers', {
        name: `Pooled ${i}`,
        email: `pooled-${i}@example.com`,
        currency: 'USD',
      }),
    );
    const waiting = async () =>
      Number(
        (
          await admin`SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`
        )[0]?.n,
      );
    try {
      await until(
        `${POOL_SIZE} connections wait on the lock`,
        async () => (await waiting()) >= POOL_SIZE,
        10_000,
      );
      // Every other create is queued in the process, not on a connection of its own.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await waiting()).toBe(POOL_SIZE);
    } finally {
      await release();
    }
    const answers = await Promise.all(creates);
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
  });
});
