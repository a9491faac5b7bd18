import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '../src/testing.js';

/**
 * The smallest reproduction of postgres.js 3.4.9's crash on a dropped connection: a small write
 * is deferred with setImmediate, the server ends the connection before it runs, and the deferred
 * write used the null socket, an uncaught TypeError that took the process down (upstream issues
 * porsager/postgres#1154 and #1208). patches/postgres@3.4.9.patch guards it; vitest fails this
 * file on any unhandled error, so without the patch it fails.
 */
const settleAfter = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(testDatabaseKinds())('the database on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.close());

  it('answers ping', async () => {
    await expect(database.ping()).resolves.toBeUndefined();
  });
});

describe.each(testDatabaseKinds().filter((kind) => kind === 'postgres'))('cut off (%s)', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database.faults?.restore();
    await database.close();
  });

  it('survives connections ended under small queries, and serves again after', async () => {
    const faults = database.faults;
    if (!faults) throw new Error('a PostgreSQL test database has faults');
    const failures: unknown[] = [];
    // Short transactions: BEGIN, a statement and COMMIT are small writes, deferred a tick.
    const load = async () => {
      for (let i = 0; i < 100; i++) {
        const transaction = database.db.transaction(async (tx) => {
          await tx.execute(sql`SELECT 1`);
          await tx.execute(sql`SELECT 2`);
        });
        // A transaction cut at the wrong moment can still wait forever inside the driver
        // (a defect left open): bounded here so the load finishes either way.
        await Promise.race([transaction, settleAfter(5_000)]).catch((error: unknown) =>
          failures.push(error),
        );
      }
    };
    const loads = Promise.all(Array.from({ length: 8 }, load));
    for (let round = 0; round < 5; round++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await faults.cut();
      await faults.restore();
    }
    await loads;
    // Some transactions met a closed connection and were refused with an error they could catch.
    expect(failures.length).toBeGreaterThan(0);
    await expect(database.ping()).resolves.toBeUndefined();
  }, 60_000);
});
