import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, databaseRateLimiter, sweepRateLimits } from '../src/index.js';
import * as schema from '../src/schema/index.js';
import { rateLimits } from '../src/schema/index.js';
import { rowsOf } from '../src/store/scope.js';
import {
  createTestDatabase,
  postgresUrl,
  type TestDatabase,
  testDatabaseKinds,
} from '../src/testing.js';

/** What a consume settled with: passed, or refused because the budget is spent. */
async function outcome(work: Promise<RateLimiterRes>): Promise<'passed' | 'refused'> {
  try {
    await work;
    return 'passed';
  } catch (error) {
    if (error instanceof RateLimiterRes) return 'refused';
    throw error;
  }
}

describe.each(testDatabaseKinds())('rate limit counters on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.close());

  it('counts one window per key in one atomic upsert, shared by every limiter on the database', async () => {
    const shared = databaseRateLimiter(database.db);
    // Two limiters with the same prefix stand for two server processes.
    const one = shared({ keyPrefix: 'test:share', points: 3, duration: 60 });
    const other = shared({ keyPrefix: 'test:share', points: 3, duration: 60 });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => outcome((i % 2 ? one : other).consume('k'))),
    );
    expect(results.filter((r) => r === 'passed')).toHaveLength(3);
    const spent = await one.get('k');
    expect(spent?.consumedPoints).toBe(8);
    expect(spent?.remainingPoints).toBe(0);
    expect(spent?.msBeforeNext).toBeGreaterThan(55_000);
    expect(spent?.msBeforeNext).toBeLessThanOrEqual(60_000);
    expect(await outcome(one.consume('another key'))).toBe('passed');
    expect(
      await outcome(shared({ keyPrefix: 'test:else', points: 3, duration: 60 }).consume('k')),
    ).toBe('passed');
  });

  it('starts a new window once the last one ended', async () => {
    const limiter = databaseRateLimiter(database.db)({
      keyPrefix: 'test:window',
      points: 1,
      duration: 60,
    });
    await limiter.consume('k');
    expect(await outcome(limiter.consume('k'))).toBe('refused');
    await database.db
      .update(rateLimits)
      .set({ expire: sql`now() - interval '1 second'` })
      .where(sql`${rateLimits.key} = 'test:window:k'`);
    expect(await limiter.get('k')).toBeNull();
    const fresh = await limiter.consume('k');
    expect(fresh.consumedPoints).toBe(1);
    expect(fresh.isFirstInDuration).toBe(true);
    // Never longer than the window, though the database's clock has microseconds and `expire` not.
    expect(fresh.msBeforeNext).toBeLessThanOrEqual(60_000);
  });

  it('sweeps the counters whose window ended, and only those', async () => {
    await database.db.insert(rateLimits).values([
      { key: 'test:sweep:old', points: 5, expire: sql`now() - interval '1 minute'` },
      { key: 'test:sweep:live', points: 5, expire: sql`now() + interval '1 minute'` },
    ]);
    expect(await sweepRateLimits(database.db)).toBeGreaterThanOrEqual(1);
    const keys = (await database.db.select({ key: rateLimits.key }).from(rateLimits)).map(
      (row) => row.key,
    );
    expect(keys).toContain('test:sweep:live');
    expect(keys).not.toContain('test:sweep:old');
  });
});

/**
 * On PostgreSQL, a handle's concurrent increments share one upsert: the requests of one key no
 * longer queue on its row's lock one commit after another, and each still gets the count it
 * would have got alone.
 */
describe.runIf(testDatabaseKinds().includes('postgres'))('grouped rate limit counters', () => {
  let database: TestDatabase;
  /** Handles of their own on the test database, each counting the statements it sends. */
  const handles: Array<{ db: Db; statements: string[]; end: () => Promise<void> }> = [];
  /** The test database's URL, for clients of the tests' own. */
  let url: URL;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    url = new URL(postgresUrl());
    const [current] = rowsOf<{ name: string }>(
      await database.db.execute(sql`SELECT current_database() AS name`),
    );
    url.pathname = `/${current?.name}`;
    for (let i = 0; i < 2; i++) {
      const statements: string[] = [];
      const client = postgres(url.toString(), {
        max: 4,
        onnotice: () => {},
        fetch_types: false,
        debug: (_connection, query) => statements.push(query),
      });
      const db = drizzle(client, { schema }) as unknown as Db;
      handles.push({ db, statements, end: () => client.end() });
    }
  });
  afterAll(async () => {
    for (const handle of handles) await handle.end();
    await database.close();
  });

  it('adds 60 concurrent requests of 6 keys in one statement, each counted as if alone', async () => {
    const [one] = handles;
    if (!one) throw new Error('no handle');
    const limiter = databaseRateLimiter(one.db)({
      keyPrefix: 'test:group',
      points: 4,
      duration: 60,
    });
    const keys = Array.from({ length: 60 }, (_, i) => `k${i % 6}`);
    const before = one.statements.length;
    const answers = await Promise.all(
      keys.map((key) =>
        limiter.consume(key).then(
          (res) => ({ key, passed: true, consumed: res.consumedPoints }),
          (res: RateLimiterRes) => ({ key, passed: false, consumed: res.consumedPoints }),
        ),
      ),
    );
    // The counters' upsert, and at most the sweep of ended windows beside it.
    expect(one.statements.length - before).toBeLessThanOrEqual(2);
    for (let k = 0; k < 6; k++) {
      const mine = answers.filter((answer) => answer.key === `k${k}`);
      // Ten requests of one key: counted 1 to 10, each once, and the first 4 of them passed.
      expect(mine.map((answer) => answer.consumed)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(mine.map((answer) => answer.passed)).toEqual([
        ...Array<boolean>(4).fill(true),
        ...Array<boolean>(6).fill(false),
      ]);
      expect((await limiter.get(`k${k}`))?.consumedPoints).toBe(10);
    }
  });

  it("turns synchronous_commit off for the counters' own commit only", async () => {
    // One connection: the statement after the counters' runs where they ran.
    const client = postgres(url.toString(), { max: 1, onnotice: () => {}, fetch_types: false });
    try {
      const db = drizzle(client, { schema }) as unknown as Db;
      const limiter = databaseRateLimiter(db)({ keyPrefix: 'test:sync', points: 5, duration: 60 });
      await Promise.all([limiter.consume('k'), limiter.consume('k')]);
      const [after] = await client`SHOW synchronous_commit`;
      expect(after?.synchronous_commit).toBe('on');
      expect((await limiter.get('k'))?.consumedPoints).toBe(2);
    } finally {
      await client.end();
    }
  });

  it('counts exactly when two handles (two processes) add to the same keys at once', async () => {
    const shared = handles.map((handle) =>
      databaseRateLimiter(handle.db)({ keyPrefix: 'test:both', points: 1000, duration: 60 }),
    );
    // Each handle sends its keys in the opposite order, batch after batch.
    const keys = ['a', 'b', 'c', 'd'];
    await Promise.all(
      shared.map(async (limiter, i) => {
        for (let round = 0; round < 20; round++)
          await Promise.all((i ? [...keys].reverse() : keys).map((key) => limiter.consume(key)));
      }),
    );
    for (const key of keys) expect((await shared[0]?.get(key))?.consumedPoints).toBe(40);
  });
});

describe.each(testDatabaseKinds().filter((kind) => kind === 'postgres'))(
  'rate limit counters while %s is cut off',
  (kind) => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(kind);
    });
    afterAll(async () => {
      await database.faults?.restore();
      await database.close();
    });

    it('answers from the in-memory insurance limiter instead of failing', async () => {
      const insuranceLimiter = new RateLimiterMemory({ points: 2, duration: 60 });
      const limiter = databaseRateLimiter(database.db)({
        keyPrefix: 'test:outage',
        points: 2,
        duration: 60,
        insuranceLimiter,
      });
      await database.faults?.cut();
      expect(await outcome(limiter.consume('k'))).toBe('passed');
      expect(await outcome(limiter.consume('k'))).toBe('passed');
      expect(await outcome(limiter.consume('k'))).toBe('refused');
      await database.faults?.restore();
    });
  },
);
