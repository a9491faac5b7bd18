import { sql } from 'drizzle-orm';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseRateLimiter, sweepRateLimits } from '../src/index.js';
import { rateLimits } from '../src/schema/index.js';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '../src/testing.js';

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
