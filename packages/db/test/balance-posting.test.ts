import {
  addCredit,
  type CustomerId,
  createCustomer,
  deleteCustomer,
  eraseCustomer,
  isId,
  type ServiceContext,
} from '@ledger/domain';
import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Db } from '../src/index.js';
import * as schema from '../src/schema/index.js';
import { customers } from '../src/schema/index.js';
import { createStore } from '../src/store/bind.js';
import { customerObject } from '../src/store/customer-object.js';
import { toCustomer } from '../src/store/customers.js';
import { rowsOf } from '../src/store/scope.js';
import {
  createTestDatabase,
  postgresUrl,
  testDatabaseKinds,
  testServiceContext,
} from '../src/testing.js';

/**
 * A credit is one statement: the balance, its journal row, its event and the event's webhook
 * deliveries are written together or not at all, without a transaction around them.
 */
describe.each(testDatabaseKinds())('a balance posting on %s', (kind) => {
  let database: Database;
  let ctx: ServiceContext;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    ctx = testServiceContext(database, { tenantId: 'post', appId: 'app' });
  });
  afterAll(() => database.close());

  async function count(table: string, customerId: string): Promise<number> {
    const result = await database.db.execute(
      sql`SELECT count(*)::int AS n FROM ${sql.raw(table)} WHERE customer_id = ${customerId}`,
    );
    return rowsOf<{ n: number }>(result)[0]?.n ?? -1;
  }

  it('writes the event with the customer after it, in ids ordered as the balance moved', async () => {
    const created = await createCustomer(ctx, {
      name: 'Object Shape',
      email: 'shape@posting.example',
      currency: 'EUR',
      metadata: { tier: 'gold' },
      billingAddress: { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
    });
    const first = await addCredit(ctx, {
      customerId: created.id,
      amount: { amount: 300, currency: 'EUR' },
      reason: 'one',
    });
    const second = await addCredit(ctx, {
      customerId: created.id,
      amount: { amount: 200, currency: 'EUR' },
      reason: 'two',
    });
    expect(isId('balanceTransaction', first.transaction.id)).toBe(true);
    expect(second.transaction.id > first.transaction.id).toBe(true);
    expect(second.balance).toEqual({ amount: -500, currency: 'EUR' });
    const stored = await ctx.store.getCustomer(ctx.scope, created.id);
    const events = await ctx.store.listEvents(ctx.scope, { customerId: created.id, limit: 10 });
    expect(events.map((e) => [e.type, e.sequence])).toEqual([
      ['customer.created', 1],
      ['customer.balance.updated', 2],
      ['customer.balance.updated', 3],
    ]);
    const last = events[2];
    expect(isId('event', last?.id ?? '')).toBe(true);
    expect(last?.data.object).toEqual(JSON.parse(JSON.stringify(stored)));
    expect(last?.previousAttributes).toEqual({ balance: { amount: -300, currency: 'EUR' } });
    expect(second.transaction.endingBalance).toEqual(stored?.balance);
  });

  it('builds the JSON of every kind of customer as toCustomer does', async () => {
    const live = await createCustomer(ctx, {
      name: 'Live',
      email: 'live@posting.example',
      currency: 'USD',
      taxIds: [{ type: 'eu_vat', value: 'DE123456789' }],
    });
    const gone = await createCustomer(ctx, {
      name: 'Gone',
      email: 'gone@posting.example',
      currency: 'USD',
    });
    await deleteCustomer(ctx, { id: gone.id });
    const erased = await createCustomer(ctx, {
      name: 'Erased',
      email: 'erased@posting.example',
      currency: 'USD',
    });
    await eraseCustomer(ctx, { id: erased.id });
    const rows = await database.db
      .select({ row: customers, object: customerObject(customers) })
      .from(customers)
      .where(eq(customers.tenantId, 'post'));
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const { row, object } of rows) {
      expect(object, row.id).toEqual(JSON.parse(JSON.stringify(toCustomer(row))));
    }
    expect(rows.map(({ row }) => row.id)).toEqual(expect.arrayContaining([live.id]));
  });

  it('writes nothing when the fan-out fails inside its statement (a real database fault)', async () => {
    const created = await createCustomer(ctx, {
      name: 'Fault',
      email: 'fault@posting.example',
      currency: 'USD',
    });
    await database.db.execute(sql`INSERT INTO webhook_endpoints (tenant_id, app_id, id, url,
        enabled_events, status, sealed_secret, created_at, updated_at)
      VALUES ('post', 'app', 'we_fault', 'https://example.com/hook', ARRAY['*'], 'enabled',
        'sealed', now(), now())`);
    // The database itself refuses the deliveries insert, the last part of the statement.
    await database.db.execute(sql`CREATE FUNCTION refuse_delivery() RETURNS trigger
      LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'deliveries refused'; END $$`);
    await database.db.execute(sql`CREATE TRIGGER refuse_delivery BEFORE INSERT
      ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION refuse_delivery()`);
    try {
      await expect(
        addCredit(ctx, {
          customerId: created.id,
          amount: { amount: 100, currency: 'USD' },
          reason: 'refused',
        }),
      ).rejects.toThrow();
    } finally {
      await database.db.execute(sql`DROP TRIGGER refuse_delivery ON webhook_deliveries`);
      await database.db.execute(sql`DROP FUNCTION refuse_delivery()`);
    }
    const after = await ctx.store.getCustomer(ctx.scope, created.id as CustomerId);
    expect(after?.balance.amount).toBe(0);
    expect(await count('balance_transactions', created.id)).toBe(0);
    expect(await count('events', created.id)).toBe(1); // customer.created only
    expect(await count('webhook_deliveries', created.id)).toBe(0);

    const credited = await addCredit(ctx, {
      customerId: created.id,
      amount: { amount: 100, currency: 'USD' },
      reason: 'accepted',
    });
    expect(credited.balance.amount).toBe(-100);
    expect(await count('balance_transactions', created.id)).toBe(1);
    expect(await count('events', created.id)).toBe(2);
    expect(await count('webhook_deliveries', created.id)).toBe(1);
  });

  if (kind === 'postgres') {
    it('credits in one prepared statement, without BEGIN or COMMIT', async () => {
      const created = await createCustomer(ctx, {
        name: 'Counted',
        email: 'counted@posting.example',
        currency: 'USD',
      });
      const [current] = rowsOf<{ name: string }>(
        await database.db.execute(sql`SELECT current_database() AS name`),
      );
      const url = new URL(postgresUrl());
      url.pathname = `/${current?.name}`;
      const statements: string[] = [];
      const client = postgres(url.toString(), {
        max: 1,
        onnotice: () => {},
        fetch_types: false, // its catalogue read on connecting is not the credit's
        debug: (_connection, query) => statements.push(query),
      });
      try {
        const logged = drizzle(client, { schema }) as unknown as Db;
        const counted = { ...ctx, store: createStore(logged) };
        const result = await addCredit(counted, {
          customerId: created.id,
          amount: { amount: 42, currency: 'USD' },
          reason: 'counted',
        });
        expect(result.balance.amount).toBe(-42);
        expect(statements).toHaveLength(1);
        expect(statements[0]).toMatch(/^WITH p AS \(/);
        expect(statements[0]).toMatch(/UPDATE "customers"/);
        // Prepared on its connection: parsed and planned once, bound in one round trip.
        const held = await client`SELECT statement FROM pg_prepared_statements`;
        expect(held.map((row) => String(row.statement))).toContainEqual(
          expect.stringMatching(/^WITH p AS \(/),
        );
      } finally {
        await client.end();
      }
    });
  }

  it('group-commits concurrent credits of one customer: exact, in order, fewer statements than credits', async () => {
    const created = await createCustomer(ctx, {
      name: 'Contended',
      email: 'contended@posting.example',
      currency: 'USD',
    });
    const statements: string[] = [];
    const credits = 200;
    const client =
      kind === 'postgres'
        ? postgres(await scratchUrl(), {
            max: 4,
            onnotice: () => {},
            fetch_types: false,
            debug: (_connection, query) => statements.push(query),
          })
        : null;
    try {
      const store = client ? createStore(drizzle(client, { schema }) as unknown as Db) : ctx.store;
      const counted = { ...ctx, store };
      const results = await Promise.all(
        Array.from({ length: credits }, (_, i) =>
          addCredit(counted, {
            customerId: created.id,
            amount: { amount: i + 1, currency: 'USD' },
            reason: `credit ${i}`,
          }),
        ),
      );
      const total = (credits * (credits + 1)) / 2;
      const after = await ctx.store.getCustomer(ctx.scope, created.id as CustomerId);
      expect(after?.balance.amount).toBe(-total);
      // Every credit saw its own ending balance, and no two the same.
      expect(new Set(results.map((r) => r.balance.amount)).size).toBe(credits);
      // The journal, oldest first by id, is one chain: each ending balance is the previous one
      // plus its amount; the events take sequences 2… in the same order.
      const journal = rowsOf<{ amount: string; ending: string; sequence: number }>(
        await database.db.execute(sql`SELECT j.amount::text AS amount,
            j.ending_balance::text AS ending, e.sequence::int AS sequence
          FROM balance_transactions j
          JOIN events e ON e.customer_id = j.customer_id
            AND e.type = 'customer.balance.updated'
            AND (e.payload #>> '{data,object,balance,amount}') = j.ending_balance::text
          WHERE j.customer_id = ${created.id} ORDER BY j.id`),
      );
      expect(journal).toHaveLength(credits);
      let balance = 0;
      for (const [i, row] of journal.entries()) {
        balance += Number(row.amount);
        expect(Number(row.ending)).toBe(balance);
        expect(row.sequence).toBe(i + 2);
      }
      if (client) expect(statements.length).toBeLessThan(credits / 2);
    } finally {
      await client?.end();
    }
  });

  /** This test database's URL, for a client of its own. */
  async function scratchUrl(): Promise<string> {
    const [current] = rowsOf<{ name: string }>(
      await database.db.execute(sql`SELECT current_database() AS name`),
    );
    const url = new URL(postgresUrl());
    url.pathname = `/${current?.name}`;
    return url.toString();
  }
});
