import type { EventId, LedgerEvent, OutboxStore, Scope } from '@ledger/domain';
import { and, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Db } from '../src/index.js';
import * as schema from '../src/schema/index.js';
import { events } from '../src/schema/index.js';
import { outboxStore } from '../src/store/outbox.js';
import { rowsOf } from '../src/store/scope.js';
import { createTestDatabase, postgresUrl, testDatabaseKinds } from '../src/testing.js';

/**
 * The outbox keys events by (tenant_id, app_id, id): one id may exist in two scopes, and marking
 * or claiming an event must touch that scope's row alone, through the primary key.
 */

const scopeA: Scope = { tenantId: 'outbox-a', appId: 'app' };
const scopeB: Scope = { tenantId: 'outbox-b', appId: 'app' };
const SHARED = 'evt_01jdshared000000000000000' as EventId;

function eventOf(scope: Scope, id: string, createdAt: Date, customerId = 'cus_1'): LedgerEvent {
  return {
    id: id as EventId,
    type: 'customer.updated',
    tenantId: scope.tenantId,
    appId: scope.appId,
    customerId,
    sequence: 1,
    createdAt,
    data: { object: { id: customerId, scope: scope.tenantId } },
  };
}

/**
 * A second handle on the test database that records the SQL it sends, so a test can EXPLAIN the
 * store's own statements. PostgreSQL only; the caller ends `client`.
 */
async function loggingHandle(database: Database) {
  const [current] = rowsOf<{ name: string }>(
    await database.db.execute(sql`SELECT current_database() AS name`),
  );
  const url = new URL(postgresUrl());
  url.pathname = `/${current?.name}`;
  const client = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const queries: Array<{ query: string; params: unknown[] }> = [];
  const logged = drizzle(client, {
    schema,
    logger: { logQuery: (query, params) => queries.push({ query, params }) },
  }) as unknown as Db;
  return { client, queries, logged };
}

describe.each(testDatabaseKinds())('outbox on %s', (kind) => {
  let database: Database;
  let outbox: OutboxStore;
  const now = new Date('2026-03-01T00:00:00.000Z');
  const lease = new Date(now.getTime() + 30_000);

  async function stateOf(scope: Scope, id: string) {
    const [row] = await database.db
      .select({
        deliveredAt: events.deliveredAt,
        deadAt: events.deadAt,
        attempts: events.attempts,
        lastError: events.lastError,
        lockedUntil: events.lockedUntil,
        nextAttemptAt: events.nextAttemptAt,
      })
      .from(events)
      .where(
        and(eq(events.tenantId, scope.tenantId), eq(events.appId, scope.appId), eq(events.id, id)),
      );
    return row;
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    outbox = outboxStore(database.db);
  });
  afterAll(() => database.close());

  it('claims only the due event of one scope when another scope has an event with its id', async () => {
    await outbox.appendEvent(eventOf(scopeA, SHARED, now));
    // Scope B's event has the same id but is not due yet.
    await outbox.appendEvent(eventOf(scopeB, SHARED, new Date(now.getTime() + 3_600_000)));

    const claimed = await outbox.claimEvents(now, lease, 10);
    expect(claimed).toHaveLength(1);
    expect(claimed[0]?.event).toMatchObject({
      id: SHARED,
      tenantId: scopeA.tenantId,
      data: { object: { scope: scopeA.tenantId } },
    });
    expect(claimed[0]?.attempts).toBe(0);
    expect((await stateOf(scopeA, SHARED))?.lockedUntil).toEqual(lease);
    expect((await stateOf(scopeB, SHARED))?.lockedUntil).toBeNull();
  });

  it('keeps a failed query as its statement, never its parameters', async () => {
    const id = 'evt_params' as EventId;
    // Due only far ahead, so the claims of the other tests never see it.
    const later = new Date(now.getTime() + 365 * 86_400_000);
    await outbox.appendEvent(eventOf(scopeA, id, later));
    const failure =
      'DrizzleQueryError: Failed query: insert into "customers" ("email", "name") values ($1, $2)\n' +
      'params: ann@example.com,Ann Secret';
    await outbox.markEventFailed(scopeA, id, failure, later);
    const { lastError } = (await stateOf(scopeA, id)) ?? {};
    expect(lastError).toBe(
      'DrizzleQueryError: Failed query: insert into "customers" ("email", "name") values ($1, $2) [parameters not kept]',
    );
  });

  it('marks delivered and failed by the full key, leaving the other scope alone', async () => {
    await outbox.markEventsDelivered([{ ...scopeA, id: SHARED }]);
    const a = await stateOf(scopeA, SHARED);
    expect(a?.deliveredAt).toBeInstanceOf(Date);
    expect(a?.lockedUntil).toBeNull();
    expect((await stateOf(scopeB, SHARED))?.deliveredAt).toBeNull();

    const retryAt = new Date(now.getTime() + 7_200_000);
    await outbox.markEventFailed(scopeB, SHARED, 'boom', retryAt);
    expect(await stateOf(scopeB, SHARED)).toMatchObject({
      attempts: 1,
      lastError: 'boom',
      nextAttemptAt: retryAt,
      deadAt: null,
      deliveredAt: null,
    });
    expect(await stateOf(scopeA, SHARED)).toMatchObject({ attempts: 0, lastError: null });

    await outbox.markEventFailed(scopeB, SHARED, 'gave up', null);
    expect((await stateOf(scopeB, SHARED))?.deadAt).toBeInstanceOf(Date);
    expect((await stateOf(scopeA, SHARED))?.deadAt).toBeNull();
  });

  it('claims a batch across scopes in position order, each event with its own scope', async () => {
    const later = new Date(now.getTime() + 10 * 86_400_000);
    const ids = ['evt_batch_1', 'evt_batch_2', 'evt_batch_3'];
    await outbox.appendEvent(eventOf(scopeB, ids[0] as string, later, 'cus_b1'));
    await outbox.appendEvent(eventOf(scopeA, ids[1] as string, later, 'cus_a2'));
    await outbox.appendEvent(eventOf(scopeA, ids[0] as string, later, 'cus_a3'));
    const claimed = await outbox.claimEvents(later, new Date(later.getTime() + 1000), 10);
    expect(claimed.map(({ event }) => [event.tenantId, event.id, event.customerId])).toEqual([
      [scopeB.tenantId, ids[0], 'cus_b1'],
      [scopeA.tenantId, ids[1], 'cus_a2'],
      [scopeA.tenantId, ids[0], 'cus_a3'],
    ]);
    expect(await outbox.claimEvents(later, new Date(later.getTime() + 1000), 10)).toEqual([]);
  });

  if (kind === 'postgres') {
    it('marks an event delivered through events_pkey (EXPLAIN of the statement the store runs)', async () => {
      // Enough rows that a sequential scan would be the plan for a filter the key cannot serve.
      await database.db.execute(sql`
        INSERT INTO events (tenant_id, app_id, id, type, customer_id, sequence, payload,
                            created_at, next_attempt_at, delivered_at)
        SELECT 'bulk-' || (n % 50), 'app', 'evt_bulk_' || n, 'customer.updated', 'cus_bulk', n,
               '{"data":{}}'::jsonb, now(), now(), now()
        FROM generate_series(1, 20000) AS n`);
      await database.db.execute(sql`ANALYZE events`);

      // The store's own SQL, captured from a logging handle on the same database.
      const { client, queries, logged } = await loggingHandle(database);
      try {
        await outboxStore(logged).markEventsDelivered([{ ...scopeB, id: 'evt_batch_1' }]);
        const update = queries.find((q) => /^update "events"/i.test(q.query));
        expect(update, JSON.stringify(queries)).toBeDefined();
        if (!update) return;
        const [explained] = await client.unsafe(
          `EXPLAIN (FORMAT JSON) ${update.query}`,
          update.params as never[],
        );
        const plan = JSON.stringify(explained);
        expect(plan).toContain('"Index Name":"events_pkey"');
        expect(plan).not.toContain('Seq Scan');
        const cond = /"Index Cond":"([^"]*)"/.exec(plan)?.[1] ?? '';
        expect(cond).toMatch(/tenant_id/);
        expect(cond).toMatch(/app_id/);
        expect(cond).toMatch(/\bid\b/);
      } finally {
        await client.end();
      }
    });

    it('claims through the pending indexes: a few buffers after 100,000 delivered events', async () => {
      // One customer's long delivered history, and a few events of it still owed.
      await database.db.execute(sql`
        INSERT INTO events (tenant_id, app_id, id, type, customer_id, sequence, payload,
                            created_at, next_attempt_at, delivered_at)
        SELECT 'plan', 'app', 'evt_done_' || n, 'customer.updated', 'cus_long', n,
               '{"data":{}}'::jsonb, now(), now(), now()
        FROM generate_series(1, 100000) AS n`);
      const due = new Date('2020-01-01T00:00:00.000Z');
      for (const n of [1, 2, 3]) {
        await outbox.appendEvent({
          ...eventOf({ tenantId: 'plan', appId: 'app' }, `evt_owed_${n}`, due, 'cus_long'),
          sequence: 100_000 + n,
        });
      }
      await database.db.execute(sql`ANALYZE events`);
      const { client, queries, logged } = await loggingHandle(database);
      try {
        const claimed = await outboxStore(logged).claimEvents(due, lease, 100);
        expect(claimed.map(({ event }) => event.id)).toEqual([
          'evt_owed_1',
          'evt_owed_2',
          'evt_owed_3',
        ]);
        await outboxStore(logged).releaseEvents(claimed.map(({ event }) => event));
        const claim = queries[0];
        if (!claim) throw new Error('no claim statement');
        const plan = await client
          .begin(async (tx) => {
            const [explained] = await tx.unsafe(
              `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${claim.query}`,
              claim.params as never[],
            );
            throw Object.assign(new Error('rollback'), { explained });
          })
          .catch((error: { explained?: unknown }) => JSON.stringify(error.explained));
        // Either partial index of undelivered rows will do (the planner picks by a coin's toss
        // between them at this size); the whole-history ones must not be walked.
        expect(plan).toMatch(/"Index Name":"events_(customer_)?pending_idx"/);
        expect(plan).not.toContain('Seq Scan');
        expect(plan).not.toContain('"Index Name":"events_customer_idx"');
        const top = JSON.parse(plan)['QUERY PLAN'][0].Plan;
        // Hundreds of buffers at most (the old probe walked the 100,000 delivered rows).
        expect(top['Shared Hit Blocks'] + top['Shared Read Blocks']).toBeLessThan(500);
      } finally {
        await client.end();
      }
    });
  }
});
