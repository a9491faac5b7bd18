// The ceiling: what a bare server does for the same requests. Hono + @hono/node-server, a bearer
// key checked against an in-memory hash, and one SQL statement per request on Ledger's own tables
// and scope columns: postgres.js (prepared statements) on the PostgreSQL URL, or PGlite on a copy
// of Ledger's data directory (`argv: pglite <data dir>`), its statements named and prepared as
// Ledger's are (`withNamedStatements`). argv after that: secret, tenant, app.
import { createHash, randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { serve } from '@hono/node-server';
import { withNamedStatements } from '@ledger/db';
import { Hono } from 'hono';
import postgres from 'postgres';
import { serveParent } from './child.js';

const [kind = '', target = '', ...rest] = process.argv.slice(2);
const [secret = '', tenantId = '', appId = ''] = rest;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

await serveParent(async () => {
  let statements = 0;
  let run: (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;
  let close: () => Promise<void>;
  if (kind === 'pglite') {
    const db = withNamedStatements(await PGlite.create(target));
    run = async (text, params) => {
      statements++;
      return (await db.query<Record<string, unknown>>(text, params)).rows;
    };
    close = () => db.close();
  } else {
    const sql = postgres(target, { max: 10, onnotice: () => {}, fetch_types: false });
    run = async (text, params) => {
      statements++;
      return [...(await sql.unsafe(text, params as never[], { prepare: true }))];
    };
    close = () => sql.end({ timeout: 5 });
  }
  const keys = new Set([sha256(secret)]);
  const scope = [tenantId, appId];
  const app = new Hono();
  app.use('/ledger/*', async (c, next) => {
    const token = c.req.header('authorization')?.replace(/^Bearer /, '') ?? '';
    if (!keys.has(sha256(token))) return c.json({ error: { code: 'unauthorized' } }, 401);
    await next();
  });
  const one = (rows: Record<string, unknown>[]) => rows[0] ?? null;
  app.get('/ledger/customers/:id', async (c) => {
    const row = one(
      await run(
        'SELECT id, name, email, balance, currency, metadata, created_at FROM customers WHERE tenant_id = $1 AND app_id = $2 AND id = $3',
        [...scope, c.req.param('id')],
      ),
    );
    return row ? c.json(row) : c.json({ error: { code: 'customer_not_found' } }, 404);
  });
  app.post('/ledger/customers', async (c) => {
    const body = await c.req.json<{ name: string; email: string; currency: string }>();
    const row = await run(
      'INSERT INTO customers (tenant_id, app_id, id, name, email, currency, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now(), now()) RETURNING id, name, email, balance, currency, created_at',
      [...scope, `cus_${randomUUID()}`, body.name, body.email.toLowerCase(), body.currency],
    );
    return c.json(one(row), 201);
  });
  // A credit: the balance and its journal row in one statement.
  app.post('/ledger/customers/:id/credit', async (c) => {
    const body = await c.req.json<{ amount: { amount: number; currency: string } }>();
    const row = await run(
      `WITH c AS (UPDATE customers SET balance = balance - $4, updated_at = now()
         WHERE tenant_id = $1 AND app_id = $2 AND id = $3 RETURNING balance, currency)
       INSERT INTO balance_transactions (tenant_id, app_id, id, customer_id, type, amount, currency, ending_balance, description, created_at)
       SELECT $1, $2, $5, $3, 'credit', -$4::bigint, c.currency, c.balance, 'bench', now() FROM c
       RETURNING ending_balance`,
      [...scope, c.req.param('id'), body.amount.amount, `cbt_${randomUUID()}`],
    );
    return c.json(one(row));
  });
  // Entitlement-check-like: the customer's subscription, one row by index.
  app.post('/ledger/entitlements/check', async (c) => {
    const body = await c.req.json<{ customer_id: string }>();
    const row = one(
      await run(
        'SELECT id, plan_id, status FROM subscriptions WHERE tenant_id = $1 AND app_id = $2 AND customer_id = $3 LIMIT 1',
        [...scope, body.customer_id],
      ),
    );
    return c.json({ allowed: row !== null });
  });
  // A batch of usage events: one multi-row INSERT, repeated idempotency keys skipped.
  app.post('/ledger/meter/events/batch', async (c) => {
    const body = await c.req.json<{ events: unknown[] }>();
    const rows = await run(
      `INSERT INTO usage_events (tenant_id, app_id, id, customer_id, feature_key, quantity, timestamp, idempotency_key, created_at)
       SELECT $1, $2, 'ue_' || gen_random_uuid(), e.customer_id, e.feature_key, e.quantity, now(), e.idempotency_key, now()
       FROM jsonb_to_recordset($3::jsonb) AS e(customer_id text, feature_key text, quantity bigint, idempotency_key text)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [...scope, body.events],
    );
    return c.json({ accepted: rows.length, duplicates: body.events.length - rows.length }, 202);
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    ready: { url: `http://127.0.0.1:${port}`, secret, tenantId, appId },
    handlers: {
      statements: async () => statements,
      sql: (text) => run(text),
    },
    close: async () => {
      server.close();
      await close();
    },
  };
});
