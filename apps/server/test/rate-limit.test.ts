import {
  ADDRESS_CLEAR_MS,
  clientKey,
  createRateLimiter,
  type SharedLimiterFactory,
} from '@ledger/api';
import { type LedgerClient, ledgerErrorOf } from '@ledger/client';
import { databaseRateLimiter } from '@ledger/db';
import { testDatabaseKinds } from '@ledger/db/testing';
import { issueApiKey, systemClock } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/env.js';
import { joinTestLedger, type RestResponse, startTestLedger, type TestLedger } from './harness.js';
import { type ErrorBody, errorOf, expectEnvelope, scopeA, scopeB } from './support.js';

/**
 * Rate limits over real HTTP, at both doors: per API key, reads, writes and usage ingest are
 * separate budgets; failed authentication is limited per client address; a spent budget is
 * `429 rate_limited` with `Retry-After` and the `RateLimit-*` headers, which every counted
 * answer carries. On PostgreSQL several servers spend one budget, and a database outage limits
 * in memory instead of failing. Budgets here are small and windows long (60 s), so the counts,
 * not the machine's speed, decide; the one test of a window's end waits as `Retry-After` says.
 */

/** A new key of `scope` on `t`: a budget no other test has spent. */
async function freshKey(t: TestLedger, scope = scopeA): Promise<string> {
  return (await issueApiKey(t.server.ledger.deps.platform, systemClock, scope)).secret;
}

/** Calls `call` `times` times, one after the other, and returns the statuses. */
async function statuses(times: number, call: () => Promise<{ status: number }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push((await call()).status);
  return out;
}

/** The budget headers of an answer, as numbers (the policy as written). */
function budgetHeaders(res: { headers: Headers }) {
  const number = (name: string) => Number(res.headers.get(name));
  return {
    limit: number('ratelimit-limit'),
    remaining: number('ratelimit-remaining'),
    reset: number('ratelimit-reset'),
    policy: res.headers.get('ratelimit-policy'),
  };
}

/** Asserts a REST `429 rate_limited` for `budget` and returns its `Retry-After` in seconds. */
function expectRefused(res: RestResponse<unknown>, budget: string, windowSeconds: number): number {
  expectEnvelope(res as RestResponse<ErrorBody>, {
    status: 429,
    code: 'rate_limited',
    param: null,
    message: budget === 'auth_failures' ? 'failed authentications' : `${budget} budget`,
  });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter), res.headers.get('retry-after') ?? 'no Retry-After').toBe(
    true,
  );
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(budgetHeaders(res)).toMatchObject({ remaining: 0 });
  expect(errorOf(res.body).details).toMatchObject({ budget, window_seconds: windowSeconds });
  return retryAfter;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the client address a failed authentication counts against', () => {
  it('is the IPv4 address, also written as IPv6, and the /64 of an IPv6 address', () => {
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('2001:db8:0:12:a::1')).toBe('2001:db8:0:12::/64');
    expect(clientKey('2001:DB8:0000:0012:ffff:1:2:3')).toBe('2001:db8:0:12::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey(undefined)).toBe('unknown');
  });
});

describe('the LEDGER_RATE_LIMIT_* settings', () => {
  const budgetsOf = (env: Record<string, string>) => {
    const config = loadConfig(env);
    return {
      reads: config.LEDGER_RATE_LIMIT_READS,
      writes: config.LEDGER_RATE_LIMIT_WRITES,
      ingest: config.LEDGER_RATE_LIMIT_INGEST,
      authFailures: config.LEDGER_RATE_LIMIT_AUTH_FAILURES,
    };
  };

  it('defaults to Stripe-like budgets per second, and 20 failed authentications a minute', () => {
    expect(budgetsOf({})).toEqual({
      reads: { points: 100, duration: 1 },
      writes: { points: 100, duration: 1 },
      ingest: { points: 1000, duration: 1 },
      authFailures: { points: 20, duration: 60 },
    });
    expect(budgetsOf({ LEDGER_RATE_LIMIT_READS: '' }).reads).toEqual({ points: 100, duration: 1 });
  });

  it('reads a count per the default window, per seconds or minutes, or 0 for off', () => {
    expect(
      budgetsOf({
        LEDGER_RATE_LIMIT_READS: '250',
        LEDGER_RATE_LIMIT_WRITES: '5/10s',
        LEDGER_RATE_LIMIT_INGEST: '0',
        LEDGER_RATE_LIMIT_AUTH_FAILURES: '10/m',
      }),
    ).toEqual({
      reads: { points: 250, duration: 1 },
      writes: { points: 5, duration: 10 },
      ingest: null,
      authFailures: { points: 10, duration: 60 },
    });
    expect(budgetsOf({ LEDGER_RATE_LIMIT_AUTH_FAILURES: '30' }).authFailures).toEqual({
      points: 30,
      duration: 60,
    });
    expect(budgetsOf({ LEDGER_RATE_LIMIT_READS: '7/2m' }).reads).toEqual({
      points: 7,
      duration: 120,
    });
    expect(budgetsOf({ LEDGER_RATE_LIMIT_READS: '7/s' }).reads).toEqual({ points: 7, duration: 1 });
  });

  it.each(['fast', '-1', '10/0s', '10/2d', '1.5', '10/', '99999999999'])(
    'refuses %s, naming the variable',
    (value) => {
      expect(() => loadConfig({ LEDGER_RATE_LIMIT_WRITES: value })).toThrow(
        /LEDGER_RATE_LIMIT_WRITES: must be a request count/,
      );
    },
  );
});

describe.each(testDatabaseKinds())('per-key budgets on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(
      kind,
      {},
      {
        LEDGER_RATE_LIMIT_READS: '4/60s',
        // A short window: the test of Retry-After waits for it to end.
        LEDGER_RATE_LIMIT_WRITES: '3/2s',
        LEDGER_RATE_LIMIT_INGEST: '5/1m',
        LEDGER_CORS_ORIGINS: 'https://app.example',
      },
    );
  });
  afterAll(() => t.close());

  it('refuses a burst over the read budget with the envelope and headers; writes and other keys still pass', async () => {
    const key = await freshKey(t);
    const reads = [];
    for (let i = 0; i < 4; i++) reads.push(await t.rest('GET', '/ledger/customers', { key }));
    expect(reads.map((res) => res.status)).toEqual([200, 200, 200, 200]);
    expect(reads.map((res) => budgetHeaders(res).remaining)).toEqual([3, 2, 1, 0]);
    for (const res of reads) {
      expect(budgetHeaders(res)).toMatchObject({ limit: 4, policy: '4;w=60' });
      expect(budgetHeaders(res).reset).toBeGreaterThanOrEqual(1);
      expect(budgetHeaders(res).reset).toBeLessThanOrEqual(60);
      expect(res.headers.get('retry-after')).toBeNull();
    }

    const refused = await t.rest('GET', '/ledger/customers', { key });
    expectRefused(refused, 'reads', 60);
    expect(budgetHeaders(refused)).toMatchObject({ limit: 4, policy: '4;w=60' });
    // Still refused, whichever read it is.
    expectRefused(await t.rest('GET', '/ledger/plans', { key }), 'reads', 60);

    const write = await t.rest('POST', '/ledger/customers', {
      key,
      body: { name: 'Burst', email: 'burst@example.com', currency: 'USD' },
    });
    expect(write.status, write.text).toBe(201);
    expect(budgetHeaders(write)).toMatchObject({ limit: 3, policy: '3;w=2' });

    const other = await t.rest('GET', '/ledger/customers', { key: await freshKey(t, scopeB) });
    expect(other.status).toBe(200);
    expect(budgetHeaders(other)).toMatchObject({ limit: 4, remaining: 3 });
  });

  it('puts the budget headers on a replayed idempotent answer too', async () => {
    const key = await freshKey(t);
    const send = () =>
      t.rest('POST', '/ledger/customers', {
        key,
        body: { name: 'Replayed', email: 'replayed@example.com', currency: 'USD' },
        headers: { 'Idempotency-Key': 'replayed-budget' },
      });
    const first = await send();
    const again = await send();
    expect([first.status, again.status], again.text).toEqual([201, 201]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    for (const res of [first, again]) {
      expect(budgetHeaders(res)).toMatchObject({ limit: 3, policy: '3;w=2' });
      expect(budgetHeaders(res).remaining).toBeLessThanOrEqual(2);
    }
  });

  it('counts usage ingest on its own budget, REST and batch routes alike', async () => {
    const key = await freshKey(t);
    expect(await statuses(4, () => t.rest('GET', '/ledger/customers', { key }))).toEqual([
      200, 200, 200, 200,
    ]);
    // Reads are spent; usage reports are not reads (the bodies are refused, but counted).
    const ingest = [];
    for (let i = 0; i < 5; i++) {
      const path = i % 2 ? '/ledger/meter/events/batch' : '/ledger/meter/events';
      ingest.push(await t.rest('POST', path, { key, body: {} }));
    }
    expect(ingest.map((res) => res.status)).toEqual([400, 400, 400, 400, 400]);
    expect(ingest.map((res) => budgetHeaders(res))).toMatchObject(
      [4, 3, 2, 1, 0].map((remaining) => ({ limit: 5, remaining, policy: '5;w=60' })),
    );
    expectRefused(await t.rest('POST', '/ledger/meter/events', { key, body: {} }), 'ingest', 60);
    expectRefused(
      await t.rest('POST', '/ledger/meter/events/batch', { key, body: {} }),
      'ingest',
      60,
    );
    // Neither spent budget touches writes.
    const write = await t.rest('POST', '/ledger/plans', { key, body: {} });
    expect(write.status).toBe(400);
    expect(budgetHeaders(write).limit).toBe(3);
  });

  it('lets requests through again once the Retry-After has passed', async () => {
    const key = await freshKey(t);
    const write = () => t.rest('POST', '/ledger/customers', { key, body: {} });
    // Writes until one is refused (a slow machine may see a window end before the fourth).
    let refused: RestResponse | undefined;
    for (let i = 0; i < 50 && !refused; i++) {
      const res = await write();
      if (res.status === 429) refused = res;
      else expect(res.status, res.text).toBe(400);
    }
    if (!refused) throw new Error('50 writes in windows of 2 s were never refused');
    const retryAfter = expectRefused(refused, 'writes', 2);
    await sleep(retryAfter * 1000);
    const again = await write();
    expect(again.status, again.text).toBe(400);
    expect(budgetHeaders(again)).toMatchObject({ limit: 3, remaining: 2 });
  });

  it('limits tRPC calls with the same budgets and code, each call of a batch counted', async () => {
    const key = await freshKey(t);
    const client: LedgerClient = t.client(key);
    // Five queries at once go as one batched HTTP request: five calls of a budget of four.
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => client.customer.list.query()),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(4);
    const failed = results.flatMap((result) => (result.status === 'rejected' ? [result] : []));
    expect(failed).toHaveLength(1);
    const ledger = ledgerErrorOf(failed[0]?.reason);
    expect(ledger).toMatchObject({
      type: 'rate_limit',
      code: 'rate_limited',
      param: null,
      details: { budget: 'reads', limit: 4, window_seconds: 60 },
    });

    const raw = await t.rest<unknown[]>(
      'GET',
      `/trpc/customer.list?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { json: {} } }))}`,
      { key },
    );
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(budgetHeaders(raw)).toMatchObject({ limit: 4, remaining: 0, policy: '4;w=60' });

    // Mutations are writes, usage reports ingest: both still have room.
    const create = await client.customer.create.mutate({
      name: 'Over tRPC',
      email: 'trpc-limit@example.com',
      currency: 'USD',
    });
    expect(create.email).toBe('trpc-limit@example.com');
    const usage = await client.meter.record
      .mutate({} as Parameters<typeof client.meter.record.mutate>[0])
      .catch((error: unknown) => ledgerErrorOf(error));
    expect(usage).toMatchObject({ code: 'invalid_input' });
  });

  it('exposes the rate limit headers to browsers', async () => {
    const res = await t.rest('GET', '/ledger/customers', {
      key: await freshKey(t),
      headers: { Origin: 'https://app.example' },
    });
    expect(res.status).toBe(200);
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    for (const name of [
      'retry-after',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
      'ratelimit-policy',
    ]) {
      expect(exposed).toContain(name);
    }
  });
});

describe.each(testDatabaseKinds())('failed authentication per client address on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind, {}, { LEDGER_RATE_LIMIT_AUTH_FAILURES: '3/60s' });
  });
  afterAll(() => t.close());

  it('refuses an address after its failures, before trying its key, at both doors', async () => {
    const attempts = [
      await t.rest('GET', '/ledger/customers', { key: 'ldg_sk_wrong-1' }),
      await t.rest('GET', '/ledger/customers', { key: null }),
      await t.rest('POST', '/ledger/customers', { key: 'ldg_sk_wrong-2', body: {} }),
    ];
    expect(attempts.map((res) => res.status)).toEqual([401, 401, 401]);
    expect(attempts.map((res) => budgetHeaders(res))).toMatchObject(
      [2, 1, 0].map((remaining) => ({ limit: 3, remaining, policy: '3;w=60' })),
    );

    expectRefused(
      await t.rest('GET', '/ledger/customers', { key: 'ldg_sk_wrong-3' }),
      'auth_failures',
      60,
    );
    // The right key from this address waits too: the address is refused before any key is read.
    expectRefused(await t.rest('GET', '/ledger/customers'), 'auth_failures', 60);
    const trpc = await t
      .client()
      .customer.list.query()
      .catch((error: unknown) => ledgerErrorOf(error));
    expect(trpc).toMatchObject({ code: 'rate_limited', details: { budget: 'auth_failures' } });

    // Public routes are not behind authentication, so not behind its budget.
    expect((await t.rest('GET', '/healthz', { key: null })).status).toBe(200);
    expect((await t.rest('GET', '/ledger/openapi.json', { key: null })).status).toBe(200);
  });
});

describe.each(testDatabaseKinds().filter((kind) => kind === 'postgres'))(
  'budgets shared by two servers on %s',
  (kind) => {
    let first: TestLedger;
    let second: TestLedger;
    const env = { LEDGER_RATE_LIMIT_READS: '10/60s', LEDGER_RATE_LIMIT_AUTH_FAILURES: '4/60s' };
    beforeAll(async () => {
      first = await startTestLedger(kind, {}, env);
      second = await joinTestLedger(first, {}, env);
    });
    afterAll(async () => {
      await second?.close();
      await first?.close();
    });

    it('lets the two together spend a key’s budget exactly once', async () => {
      const key = await freshKey(first);
      const answered: number[] = [];
      // 30 reads, 3 at a time on each server.
      for (let round = 0; round < 5; round++) {
        const batch = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (i % 2 ? second : first).rest('GET', '/ledger/customers', { key }),
          ),
        );
        answered.push(...batch.map((res) => res.status));
      }
      expect(answered.filter((status) => status === 200)).toHaveLength(10);
      expect(answered.filter((status) => status === 429)).toHaveLength(20);
    });

    it('counts failed authentication of an address across both servers', async () => {
      const statusesOf = await Promise.all([
        first.rest('GET', '/ledger/customers', { key: 'ldg_sk_wrong-a' }),
        second.rest('GET', '/ledger/customers', { key: 'ldg_sk_wrong-b' }),
      ]);
      expect(statusesOf.map((res) => res.status)).toEqual([401, 401]);
      expect((await first.rest('GET', '/ledger/customers', { key: 'ldg_sk_wrong-c' })).status).toBe(
        401,
      );
      expect(
        (await second.rest('GET', '/ledger/customers', { key: 'ldg_sk_wrong-d' })).status,
      ).toBe(401);
      expectRefused(
        await first.rest('GET', '/ledger/customers', { key: null }),
        'auth_failures',
        60,
      );
      expectRefused(await second.rest('GET', '/ledger/customers'), 'auth_failures', 60);
    });
  },
);

describe.each(testDatabaseKinds().filter((kind) => kind === 'postgres'))(
  'an address spent by another process, on %s',
  (kind) => {
    let t: TestLedger;
    beforeAll(async () => {
      t = await startTestLedger(kind);
    });
    afterAll(() => t.close());

    it(`is refused here within ${ADDRESS_CLEAR_MS} ms, read from the database at most once in that time`, async () => {
      let clock = 1_000_000;
      let reads = 0;
      const shared = databaseRateLimiter(t.database.db);
      // This process's limiter, counting its reads of the database's counters.
      const counting: SharedLimiterFactory = (options) => {
        const limiter = shared(options);
        const get = limiter.get.bind(limiter);
        limiter.get = (key, getOptions) => {
          reads++;
          return get(key, getOptions);
        };
        return limiter;
      };
      const limits = {
        reads: null,
        writes: null,
        ingest: null,
        authFailures: { points: 2, duration: 60 },
      };
      const here = createRateLimiter(limits, { shared: counting, now: () => clock });
      const there = createRateLimiter(limits, { shared, now: () => clock });
      const address = `203.0.113.${Date.now() % 250}-${Math.random()}`;

      for (let i = 0; i < 20; i++) expect(await here.refuseAddress(address)).toBeNull();
      expect(reads).toBe(1);

      await there.countFailure(address);
      await there.countFailure(address);
      expect((await there.refuseAddress(address))?.refusal?.code).toBe('rate_limited');
      // Not yet here: this process read the address as clear less than the bound ago.
      expect(await here.refuseAddress(address)).toBeNull();
      clock += ADDRESS_CLEAR_MS;
      expect((await here.refuseAddress(address))?.refusal?.code).toBe('rate_limited');
      expect(reads).toBe(2);

      // A failure counted by this process is seen by it at once.
      const mine = `${address}-here`;
      expect(await here.refuseAddress(mine)).toBeNull();
      await here.countFailure(mine);
      await here.countFailure(mine);
      expect((await here.refuseAddress(mine))?.refusal?.code).toBe('rate_limited');
    });
  },
);

describe.each(testDatabaseKinds().filter((kind) => kind === 'postgres'))(
  'rate limits while %s is cut off',
  (kind) => {
    let t: TestLedger;
    const logged: unknown[] = [];
    beforeAll(async () => {
      t = await startTestLedger(
        kind,
        { logError: (error) => logged.push(error) },
        { LEDGER_RATE_LIMIT_READS: '50/60s', LEDGER_RATE_LIMIT_AUTH_FAILURES: '3/60s' },
      );
    });
    afterAll(async () => {
      await t.database.faults?.restore();
      await t.close();
    });

    it('limits in memory instead of failing, and counts in the database again afterwards', async () => {
      const faults = t.database.faults;
      if (!faults) throw new Error('a PostgreSQL test database has faults');
      expect((await t.rest('GET', '/ledger/customers')).status).toBe(200);

      await faults.cut();
      expect((await t.rest('GET', '/healthz', { key: null })).status).toBe(200);
      // Without a key nothing else needs the database: the limiter's own answers show, from
      // its in-memory insurance (the key lookup of a keyed request would fail on its own).
      expect(await statuses(3, () => t.rest('GET', '/ledger/customers', { key: null }))).toEqual([
        401, 401, 401,
      ]);
      expectRefused(await t.rest('GET', '/ledger/customers', { key: null }), 'auth_failures', 60);
      expect((await t.rest('GET', '/healthz', { key: null })).status).toBe(200);
      expect(logged).toEqual([]);

      await faults.restore();
      let read: RestResponse | undefined;
      for (let i = 0; i < 100 && read?.status !== 200; i++) {
        read = await t.rest('GET', '/ledger/customers');
        if (read.status !== 200) await sleep(100);
      }
      expect(read?.status, read?.text).toBe(200);
      // The database's counter of the key carries on from before the cut.
      expect(read && budgetHeaders(read)).toMatchObject({ limit: 50 });
      expect(read && budgetHeaders(read).remaining).toBeLessThanOrEqual(48);
    });
  },
);
