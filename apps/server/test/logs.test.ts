import { testDatabaseKinds } from '@ledger/db/testing';
import { hashApiKey } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LogLine, startTestLedger, type TestLedger } from './harness.js';
import { createCustomer, firstCount, holdTransaction } from './support.js';

/** The request line of the call that sent `X-Request-Id: id`. */
function requestLine(lines: LogLine[], id: string): LogLine | undefined {
  return lines.find((line) => line.request_id === id && String(line.msg).startsWith('request'));
}

/** Polls `probe` until it is true, at most `tries` times, 100 ms apart. */
async function eventually(probe: () => Promise<boolean>, tries = 100): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Every key of a request line: nothing of the request beyond what names it. */
const REQUEST_KEYS = [
  'duration_ms',
  'hostname',
  'level',
  'method',
  'msg',
  'pid',
  'request_id',
  'route',
  'scope',
  'status',
  'time',
];

describe.each(testDatabaseKinds())('request lines on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterAll(() => t.close());

  it('name each request by its route pattern, with status, duration, request id and scope', async () => {
    const email = `route-${kind}@logs.example`;
    const name = `Route Pattern ${kind}`;
    await createCustomer(t, { email, name });
    const call = (path: string, id: string, key?: string | null) =>
      t.rest('GET', path, { headers: { 'X-Request-Id': id }, ...(key === null ? { key } : {}) });
    expect(
      (await call(`/ledger/customers/email/${encodeURIComponent(email)}`, 'by-email')).status,
    ).toBe(200);
    expect(
      (await call(`/ledger/customers?email=${encodeURIComponent(email)}`, 'by-query')).status,
    ).toBe(200);
    expect((await call('/ledger/customers', 'no-key', null)).status).toBe(401);
    expect((await call(`/ledger/nowhere/${email}`, 'nowhere')).status).toBe(404);
    expect((await call(`/trpc/${email}`, 'no-procedure')).status).toBe(404);
    await t.client().customer.getByEmail.query({ email });

    const lines = t.logLines();
    const scope = { tenant_id: 'tenant-a', app_id: 'app' };
    expect(requestLine(lines, 'by-email')).toMatchObject({
      level: 'info',
      method: 'GET',
      route: '/ledger/customers/email/:email',
      status: 200,
      scope,
      msg: 'request',
    });
    expect(requestLine(lines, 'by-query')).toMatchObject({ route: '/ledger/customers', scope });
    expect(requestLine(lines, 'no-key')).toMatchObject({ route: '/ledger/customers', status: 401 });
    expect(requestLine(lines, 'no-key')).not.toHaveProperty('scope');
    expect(requestLine(lines, 'nowhere')).toMatchObject({ route: '(unmatched)', status: 404 });
    expect(requestLine(lines, 'no-procedure')).toMatchObject({ route: '/trpc/(unknown)' });
    expect(lines.find((line) => line.route === '/trpc/customer.getByEmail')).toMatchObject({
      method: 'GET',
      status: 200,
      scope,
    });
    for (const id of ['by-email', 'by-query', 'nowhere']) {
      const line = requestLine(lines, id);
      expect(Object.keys(line ?? {}).sort()).toEqual(REQUEST_KEYS);
      expect(typeof line?.duration_ms).toBe('number');
    }
    const text = JSON.stringify(lines);
    for (const secret of [email, encodeURIComponent(email), name, t.keyA]) {
      expect(text).not.toContain(secret);
    }
  });
});

/** The create request's statement, as pg_stat_activity shows it. */
const INSERT_CUSTOMER = 'WITH c AS (insert into "customers" %';
/** The read-by-email request's statement. */
const SELECT_BY_EMAIL = 'select %from "customers" where %"customers"."email" = $%';

describe.each(testDatabaseKinds().filter((kind) => kind === 'postgres'))(
  'queries that fail with a customer in their parameters (%s)',
  (kind) => {
    let t: TestLedger;
    const email = `canary-${Date.now()}@logs.example`;
    const name = `Canary Cutoff ${Date.now()}`;
    beforeAll(async () => {
      t = await startTestLedger(kind);
    });
    afterAll(async () => {
      await t.database.faults?.restore();
      await t.close();
    });

    /** Sends a request that will wait on the customers table, named `id`. */
    function create(id: string) {
      return t.rest('POST', '/ledger/customers', {
        body: { email, name, currency: 'USD' },
        headers: { 'X-Request-Id': id },
      });
    }

    /**
     * Waits until, for each of `statements` (SQL `like` patterns), a statement of the server's
     * waits on a lock, its parameters sent. Matched by text, not counted: autovacuum or a
     * background job waiting on the same table must not pass for one of the requests.
     */
    async function waitingOnLock(...statements: string[]): Promise<void> {
      const waiting = (pattern: string) => `select count(*) from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'
          and query like '${pattern}'`;
      expect(
        await eventually(async () => {
          for (const pattern of statements) {
            if (firstCount(await t.database.db.execute(waiting(pattern))) < 1) return false;
          }
          return true;
        }),
      ).toBe(true);
    }

    /** The unexpected-error line of request `id`, sanitised. */
    function errorOf(id: string) {
      const line = t
        .logLines()
        .find((l) => l.request_id === id && l.msg === 'unexpected error answering a request');
      return line?.err as { message: string; cause?: { code?: string } } | undefined;
    }

    it('logs a cancelled insert as its statement and SQLSTATE, without the customer', async () => {
      const release = await holdTransaction(t, 'lock table customers in share mode');
      const answered = create('log-canary-cancel');
      await waitingOnLock(INSERT_CUSTOMER);
      // Cancelled, not cut: the statement rolls back, so drizzle's "Failed query … params: …"
      // error (with the email and name as parameters) is what reaches the error logger.
      await t.database.db.execute(`select pg_cancel_backend(pid) from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'
          and query like '${INSERT_CUSTOMER}'`);
      const res = await answered;
      expect(res.status, res.text).toBe(503);
      await release();

      const err = errorOf('log-canary-cancel');
      expect(err?.message).toMatch(/^Failed query: WITH c AS \(insert into "customers" \(.*\$1/);
      expect(err?.message).not.toMatch(/params/);
      expect(err?.cause).toMatchObject({ code: '57014', severity: 'ERROR' });
    });

    it('logs requests cut off from the database, never the email, name, key or key hash', async () => {
      const faults = t.database.faults;
      if (!faults) throw new Error('a PostgreSQL test database has faults');
      const release = await holdTransaction(t, 'lock table customers in access exclusive mode');
      const created = create('log-canary-cut');
      const read = t.rest('GET', `/ledger/customers/email/${encodeURIComponent(email)}`, {
        headers: { 'X-Request-Id': 'log-canary-read' },
      });
      await waitingOnLock(INSERT_CUSTOMER, SELECT_BY_EMAIL);
      await faults.cut();
      expect((await created).status).toBe(503);
      expect((await read).status).toBe(503);
      await release().catch(() => {});
      await faults.restore();
      expect(
        await eventually(
          async () => (await t.rest('GET', '/readyz', { key: null })).status === 200,
        ),
      ).toBe(true);

      const lines = t.logLines();
      const scope = { tenant_id: 'tenant-a', app_id: 'app' };
      const failed = { level: 'error', status: 503, scope, msg: 'request failed' };
      expect(requestLine(lines, 'log-canary-cut')).toMatchObject({
        ...failed,
        method: 'POST',
        route: '/ledger/customers',
      });
      expect(requestLine(lines, 'log-canary-read')).toMatchObject({
        ...failed,
        method: 'GET',
        route: '/ledger/customers/email/:email',
      });
      for (const id of ['log-canary-cut', 'log-canary-read'])
        expect(typeof requestLine(lines, id)?.duration_ms).toBe('number');
      // The read is no transaction: its failed query (the email its parameter) is what is logged.
      expect(errorOf('log-canary-read')?.message).toMatch(
        /^Failed query: select .* from "customers"/,
      );
      expect(errorOf('log-canary-cut')?.message).toEqual(expect.any(String));

      const text = JSON.stringify(lines);
      const hashes = await Promise.all([hashApiKey(t.keyA), hashApiKey(t.keyB)]);
      for (const secret of [email, encodeURIComponent(email), name, t.keyA, t.keyB, ...hashes]) {
        expect(text).not.toContain(secret);
      }
    });
  },
);
