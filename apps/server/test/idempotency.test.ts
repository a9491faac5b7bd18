import type { DatabaseKind } from '@ledger/db/testing';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { errorOf, eventsOf, scopeA, type Wire, type WireList } from './support.js';

const REPLAYED = 'idempotent-replayed';

async function countByEmail(t: TestLedger, email: string, key?: string): Promise<number> {
  const res = await t.rest<WireList<Wire>>(
    'GET',
    `/ledger/customers?status=all&email=${encodeURIComponent(email)}`,
    key ? { key } : {},
  );
  expect(res.status).toBe(200);
  return res.body.pagination.total;
}

describe.each(testDatabaseKinds())('Idempotency-Key on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterAll(() => t.close());

  const body = (email: string) => ({ name: 'Idem Potent', email, currency: 'USD' });

  it('replays a create byte for byte, creating one customer and one event', async () => {
    const headers = { 'Idempotency-Key': 'create-1' };
    const first = await t.rest<Wire>('POST', '/ledger/customers', {
      body: body('replay@idem.example'),
      headers,
    });
    expect(first.status).toBe(201);
    expect(first.headers.get(REPLAYED)).toBeNull();
    const second = await t.rest<Wire>('POST', '/ledger/customers', {
      body: body('replay@idem.example'),
      headers,
    });
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.headers.get(REPLAYED)).toBe('true');
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    // A replay is a new request: it gets its own request id.
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));

    expect(await countByEmail(t, 'replay@idem.example')).toBe(1);
    const all = await t.server.ledger.deps.store.listEvents(scopeA, { limit: 100 });
    const created = all.filter(
      (e) =>
        e.type === 'customer.created' &&
        (e.data.object as { email?: string }).email === 'replay@idem.example',
    );
    expect(created).toHaveLength(1);
    expect(created[0]?.customerId).toBe(first.body.id);
  });

  it('compares parameters, not bytes: reordered keys and other whitespace replay', async () => {
    const headers = { 'Idempotency-Key': 'reordered-1', 'Content-Type': 'application/json' };
    const first = await t.rest<Wire>('POST', '/ledger/customers', {
      rawBody: '{"name":"Order","email":"order@idem.example","currency":"USD"}',
      headers,
    });
    expect(first.status).toBe(201);
    const second = await t.rest<Wire>('POST', '/ledger/customers', {
      rawBody: '{ "currency": "USD",\n  "email": "order@idem.example", "name": "Order" }',
      headers,
    });
    expect(second.status).toBe(201);
    expect(second.headers.get(REPLAYED)).toBe('true');
    expect(second.text).toBe(first.text);
    expect(await countByEmail(t, 'order@idem.example')).toBe(1);
  });

  it('refuses the same key with another body, and with another method or path', async () => {
    const headers = { 'Idempotency-Key': 'create-2' };
    const first = await t.rest<Wire>('POST', '/ledger/customers', {
      body: body('reuse@idem.example'),
      headers,
    });
    expect(first.status).toBe(201);
    const other = await t.rest('POST', '/ledger/customers', {
      body: body('other@idem.example'),
      headers,
    });
    expect(other.status).toBe(409);
    expect(errorOf(other.body)).toMatchObject({
      code: 'idempotency_key_reused',
      type: 'conflict',
      param: 'Idempotency-Key',
    });
    expect(other.headers.get(REPLAYED)).toBeNull();
    const otherPath = await t.rest('PUT', `/ledger/customers/${first.body.id}`, {
      body: body('reuse@idem.example'),
      headers,
    });
    expect(otherPath.status).toBe(409);
    expect(errorOf(otherPath.body).code).toBe('idempotency_key_reused');
    expect(await countByEmail(t, 'other@idem.example')).toBe(0);
    expect((await eventsOf(t, first.body.id)).map((e) => e.type)).toEqual(['customer.created']);
    // The refusal did not disturb the record: the original still replays.
    const again = await t.rest('POST', '/ledger/customers', {
      body: body('reuse@idem.example'),
      headers,
    });
    expect(again.text).toBe(first.text);
    expect(again.headers.get(REPLAYED)).toBe('true');
  });

  it('keeps keys per scope: tenant B may use tenant A’s key independently', async () => {
    const headers = { 'Idempotency-Key': 'shared-key' };
    const a = await t.rest<Wire>('POST', '/ledger/customers', {
      body: body('scoped@idem.example'),
      headers,
    });
    const b = await t.rest<Wire>('POST', '/ledger/customers', {
      key: t.keyB,
      body: body('scoped@idem.example'),
      headers,
    });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get(REPLAYED)).toBeNull();
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.tenant_id).toBe('tenant-b');
    // B now has its own record under that key: another body is refused in B's scope, and A's
    // record is untouched by all of it.
    const bOther = await t.rest('POST', '/ledger/customers', {
      key: t.keyB,
      body: body('other-scoped@idem.example'),
      headers,
    });
    expect(errorOf(bOther.body).code).toBe('idempotency_key_reused');
    const aReplay = await t.rest('POST', '/ledger/customers', {
      body: body('scoped@idem.example'),
      headers,
    });
    expect(aReplay.text).toBe(a.text);
    expect(await countByEmail(t, 'scoped@idem.example')).toBe(1);
    expect(await countByEmail(t, 'scoped@idem.example', t.keyB)).toBe(1);
  });

  it('stores nothing for a request that failed validation: the key then works with a fixed body', async () => {
    const headers = { 'Idempotency-Key': 'fix-me' };
    const bad = await t.rest('POST', '/ledger/customers', {
      body: { ...body('not-an-email'), currency: 'USD' },
      headers,
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).code).toBe('invalid_email');
    const malformed = await t.rest('POST', '/ledger/customers', {
      rawBody: '{"name": ',
      headers: { ...headers, 'Content-Type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed.body).code).toBe('invalid_json');
    const fixed = await t.rest<Wire>('POST', '/ledger/customers', {
      body: body('fixed@idem.example'),
      headers,
    });
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get(REPLAYED)).toBeNull();
    const replay = await t.rest('POST', '/ledger/customers', {
      body: body('fixed@idem.example'),
      headers,
    });
    expect(replay.headers.get(REPLAYED)).toBe('true');
    expect(replay.text).toBe(fixed.text);
  });

  it('refuses a key longer than 255 characters, naming Idempotency-Key, and accepts 255', async () => {
    const tooLong = await t.rest('POST', '/ledger/customers', {
      body: body('long-key@idem.example'),
      headers: { 'Idempotency-Key': 'k'.repeat(256) },
    });
    expect(tooLong.status).toBe(400);
    expect(errorOf(tooLong.body)).toMatchObject({
      code: 'invalid_input',
      type: 'validation',
      param: 'Idempotency-Key',
    });
    expect(await countByEmail(t, 'long-key@idem.example')).toBe(0);
    const longest = await t.rest('POST', '/ledger/customers', {
      body: body('long-key@idem.example'),
      headers: { 'Idempotency-Key': 'k'.repeat(255) },
    });
    expect(longest.status).toBe(201);
    const replay = await t.rest('POST', '/ledger/customers', {
      body: body('long-key@idem.example'),
      headers: { 'Idempotency-Key': 'k'.repeat(255) },
    });
    expect(replay.headers.get(REPLAYED)).toBe('true');
  });

  it('replays a DELETE as 204 again, while a fresh DELETE is refused', async () => {
    const created = await t.rest<Wire>('POST', '/ledger/customers', {
      body: body('delete@idem.example'),
    });
    const headers = { 'Idempotency-Key': 'delete-1' };
    const first = await t.rest('DELETE', `/ledger/customers/${created.body.id}`, { headers });
    expect(first.status).toBe(204);
    expect(first.text).toBe('');
    const replay = await t.rest('DELETE', `/ledger/customers/${created.body.id}`, { headers });
    expect(replay.status).toBe(204);
    expect(replay.text).toBe('');
    expect(replay.headers.get(REPLAYED)).toBe('true');
    // Without the key the delete really runs again, and a deleted customer refuses it.
    const fresh = await t.rest('DELETE', `/ledger/customers/${created.body.id}`, {
      headers: { 'Idempotency-Key': 'delete-2' },
    });
    expect(fresh.status).toBe(400);
    expect(errorOf(fresh.body).code).toBe('customer_deleted');
    const types = (await eventsOf(t, created.body.id)).map((e) => e.type);
    expect(types).toEqual(['customer.created', 'customer.deleted']);
  });

  it('replays a PUT with the first response even after the customer changed again', async () => {
    const created = await t.rest<Wire>('POST', '/ledger/customers', {
      body: body('put@idem.example'),
    });
    const path = `/ledger/customers/${created.body.id}`;
    const headers = { 'Idempotency-Key': 'put-1' };
    const first = await t.rest<Wire>('PUT', path, { body: { name: 'First Name' }, headers });
    expect(first.status).toBe(200);
    expect(first.body.name).toBe('First Name');
    await t.rest('PUT', path, { body: { name: 'Second Name' } });
    const replay = await t.rest<Wire>('PUT', path, { body: { name: 'First Name' }, headers });
    expect(replay.status).toBe(200);
    expect(replay.headers.get(REPLAYED)).toBe('true');
    expect(replay.text).toBe(first.text);
    // The replay did not run the update: the later change stands and no third event exists.
    const now = await t.rest<Wire>('GET', path);
    expect(now.body.name).toBe('Second Name');
    const updates = (await eventsOf(t, created.body.id)).filter(
      (e) => e.type === 'customer.updated',
    );
    expect(updates.map((e) => e.previousAttributes)).toEqual([
      { name: 'Idem Potent' },
      { name: 'First Name' },
    ]);
  });

  it('honours the key for tRPC mutations sent through the typed client', async () => {
    const client = t.client();
    const input = { name: 'Typed', email: 'typed@idem.example', currency: 'GBP' };
    const context = { context: { idempotencyKey: 'trpc-create-1' } };
    const first = await client.customer.create.mutate(input, context);
    const second = await client.customer.create.mutate(input, context);
    expect(second.id).toBe(first.id);
    expect(second).toEqual(first);
    expect(second.createdAt).toBeInstanceOf(Date);
    const list = await client.customer.list.query({ email: 'typed@idem.example' });
    expect(list.pagination.total).toBe(1);
    expect((await eventsOf(t, first.id)).map((e) => e.type)).toEqual(['customer.created']);
    // Without a key the same call really runs again, and the email is taken.
    await expect(client.customer.create.mutate(input)).rejects.toMatchObject({
      data: { ledger: { code: 'duplicate_customer_email' } },
    });
  });
});

/** A gate a test opens by hand: the request holding it waits until then. */
function gate() {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

async function startGatedLedger(kind: DatabaseKind) {
  let entered = gate();
  let release = gate();
  const t = await startTestLedger(kind, {
    guards: {
      // The delete waits inside its transaction until the test lets it go.
      hasActiveSubscriptions: async () => {
        entered.open();
        await release.opened;
        return false;
      },
      hasBillingHistory: async () => false,
    },
  });
  return {
    t,
    /** Arms a fresh pair of gates for the next delete. */
    arm() {
      entered = gate();
      release = gate();
      return { entered: entered.opened, release: release.open };
    },
  };
}

// PostgreSQL only: PGlite runs one transaction at a time and queues every other query behind it,
// so while the first DELETE holds its transaction the repeat cannot even authenticate, let alone
// read the idempotency record. It gets there only after the first has committed and (in practice)
// recorded its response, so on PGlite the repeat is replayed as 204 instead of refused; with the
// gate below it would wait forever, because the gate is only opened after the repeat answered.
describe.runIf(testDatabaseKinds().includes('postgres'))(
  'Idempotency-Key while the first request still runs on postgres',
  () => {
    let gated: Awaited<ReturnType<typeof startGatedLedger>>;
    beforeAll(async () => {
      gated = await startGatedLedger('postgres');
    });
    afterAll(() => gated.t.close());

    it('answers a repeat with idempotency_key_in_use, then the first completes 204', async () => {
      const { t } = gated;
      const created = await t.rest<Wire>('POST', '/ledger/customers', {
        body: { name: 'Slow', email: 'slow@idem.example', currency: 'USD' },
      });
      const path = `/ledger/customers/${created.body.id}`;
      const headers = { 'Idempotency-Key': 'slow-delete' };
      const { entered, release } = gated.arm();
      const first = t.rest('DELETE', path, { headers });
      await entered;
      const repeat = await t.rest('DELETE', path, { headers });
      expect(repeat.status).toBe(409);
      expect(errorOf(repeat.body)).toMatchObject({
        code: 'idempotency_key_in_use',
        type: 'conflict',
        param: 'Idempotency-Key',
      });
      release();
      const done = await first;
      expect(done.status).toBe(204);
      expect(done.headers.get(REPLAYED)).toBeNull();
      const replay = await t.rest('DELETE', path, { headers });
      expect(replay.status).toBe(204);
      expect(replay.headers.get(REPLAYED)).toBe('true');
      const types = (await eventsOf(t, created.body.id)).map((e) => e.type);
      expect(types).toEqual(['customer.created', 'customer.deleted']);
    });
  },
);

describe.each(testDatabaseKinds())('Idempotency-Key expiry on %s', (kind) => {
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind, { clock });
  });
  afterAll(() => t.close());

  it('remembers a key for 24 hours and treats it as fresh afterwards', async () => {
    const headers = { 'Idempotency-Key': 'daily' };
    const first = { name: 'Day One', email: 'day1@idem.example', currency: 'USD' };
    const second = { name: 'Day Two', email: 'day2@idem.example', currency: 'USD' };
    const created = await t.rest<Wire>('POST', '/ledger/customers', { body: first, headers });
    expect(created.status).toBe(201);

    offsetMs = 24 * 60 * 60 * 1000 - 60_000; // a minute before the window closes
    const within = await t.rest('POST', '/ledger/customers', { body: first, headers });
    expect(within.headers.get(REPLAYED)).toBe('true');
    expect(within.text).toBe(created.text);
    const reused = await t.rest('POST', '/ledger/customers', { body: second, headers });
    expect(errorOf(reused.body).code).toBe('idempotency_key_reused');

    offsetMs = 24 * 60 * 60 * 1000 + 60_000; // a minute after
    const fresh = await t.rest<Wire>('POST', '/ledger/customers', { body: second, headers });
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get(REPLAYED)).toBeNull();
    expect(fresh.body.email).toBe('day2@idem.example');
    // The new use is remembered in turn: its body replays, the first one's is now "another body".
    const replay = await t.rest('POST', '/ledger/customers', { body: second, headers });
    expect(replay.headers.get(REPLAYED)).toBe('true');
    expect(replay.text).toBe(fresh.text);
    const old = await t.rest('POST', '/ledger/customers', { body: first, headers });
    expect(errorOf(old.body).code).toBe('idempotency_key_reused');
    expect(await countByEmail(t, 'day1@idem.example')).toBe(1);
    expect(await countByEmail(t, 'day2@idem.example')).toBe(1);
  });
});
