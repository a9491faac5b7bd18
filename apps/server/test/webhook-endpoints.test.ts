import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { listObject, WebhookEndpointObject, WebhookEndpointWithSecretObject } from '@ledger/api';
import { testDatabaseKinds } from '@ledger/db/testing';
import { newId } from '@ledger/domain';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { startReceiver, type TestReceiver } from './receivers.js';
import { createCustomer, expectError, rowsOf, type WireList } from './support.js';
import {
  countOf,
  createEndpoint,
  ENDPOINT_FIELDS,
  eventually,
  SECRET_PATTERN,
  trpcFailure,
  verifiesWith,
  type WireEndpoint,
} from './webhook-support.js';

/**
 * The webhook endpoint routes and procedures (EVENTS.md "Webhook endpoints"): create with its
 * secret shown once, get and list without it, update, delete (its pending deliveries dropped),
 * secret rotation, idempotent creation, and secrets a database dump cannot read.
 */

const run = promisify(execFile);
const endpointPage = listObject(WebhookEndpointObject);

/** Whether pg_dump is on this machine (the dump assertion is skipped without it). */
async function hasPgDump(): Promise<boolean> {
  return run('which', ['pg_dump']).then(
    () => true,
    () => false,
  );
}

/** Every row of every table of the public schema, as text: a dump that works on PGlite too. */
async function everyRowAsText(t: TestLedger): Promise<string> {
  const tables = rowsOf(
    await t.database.db.execute(
      "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
    ),
  ).map((row) => String(row.table_name));
  expect(tables).toContain('webhook_endpoints');
  const texts: string[] = [];
  for (const table of tables) {
    const rows = rowsOf(await t.database.db.execute(`select t::text as row from "${table}" t`));
    texts.push(...rows.map((row) => String(row.row)));
  }
  return texts.join('\n');
}

describe.each(testDatabaseKinds())('webhook endpoints on %s', (kind) => {
  let t: TestLedger;
  const receivers: TestReceiver[] = [];
  async function receiver(answer?: Parameters<typeof startReceiver>[0]) {
    const started = await startReceiver(answer);
    receivers.push(started);
    return started;
  }
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterEach(async () => {
    // Nothing a test queued is left in flight when its receivers go.
    await t.server.ledger.webhooks.drain();
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(() => t?.close());

  const get = (id: string, key?: string) =>
    t.rest<WireEndpoint>('GET', `/ledger/webhook-endpoints/${id}`, key ? { key } : {});
  const put = (id: string, body: unknown) =>
    t.rest<WireEndpoint>('PUT', `/ledger/webhook-endpoints/${id}`, { body });

  it('creates an endpoint: 201, the documented shape, and a whsec_ secret of 32 random bytes', async () => {
    const res = await t.rest<WireEndpoint>('POST', '/ledger/webhook-endpoints', {
      body: {
        url: 'https://crm.example.com/ledger-hooks',
        enabled_events: ['customer.*', 'invoice.paid'],
        description: 'CRM sync',
        metadata: { team: 'growth' },
      },
    });
    expect(res.status, res.text).toBe(201);
    const endpoint = WebhookEndpointWithSecretObject.parse(res.body);
    expect(Object.keys(res.body).sort()).toEqual([...ENDPOINT_FIELDS, 'secret'].sort());
    expect(endpoint).toMatchObject({
      url: 'https://crm.example.com/ledger-hooks',
      enabled_events: ['customer.*', 'invoice.paid'],
      status: 'enabled',
      disabled_reason: null,
      description: 'CRM sync',
      metadata: { team: 'growth' },
    });
    expect(endpoint.id).toMatch(/^we_/);
    expect(endpoint.created_at).toBe(endpoint.updated_at);
    expect(endpoint.secret).toMatch(SECRET_PATTERN);
    expect(Buffer.from(endpoint.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const other = await createEndpoint(t, {
      url: 'https://crm.example.com/b',
      enabled_events: ['*'],
    });
    expect(other.secret).not.toBe(endpoint.secret);

    // tRPC: the same verb, the same kind of secret.
    const viaTrpc = await t.client().webhookEndpoint.create.mutate({
      url: 'https://crm.example.com/trpc',
      enabledEvents: ['invoice.*'],
    });
    expect(viaTrpc).toMatchObject({ status: 'enabled', enabledEvents: ['invoice.*'] });
    expect(viaTrpc.secret).toMatch(SECRET_PATTERN);
    expect(viaTrpc.description).toBeNull();
  });

  it('never shows the secret again: get and list, over REST and tRPC', async () => {
    const created = await createEndpoint(t, {
      url: 'https://crm.example.com/secretless',
      enabled_events: ['customer.created'],
    });
    const hidden = [created.secret, created.secret.slice('whsec_'.length)];
    const one = await get(created.id);
    expect(one.status).toBe(200);
    expect(Object.keys(one.body).sort()).toEqual(ENDPOINT_FIELDS);
    const { secret: _, ...publicView } = created;
    expect(WebhookEndpointObject.parse(one.body)).toEqual(publicView);
    const list = await t.rest<WireList<WireEndpoint>>('GET', '/ledger/webhook-endpoints?limit=100');
    expect(list.status).toBe(200);
    const page = endpointPage.parse(list.body);
    expect(page.data.map((endpoint) => endpoint.id)).toContain(created.id);
    for (const item of list.body.data) expect(Object.keys(item).sort()).toEqual(ENDPOINT_FIELDS);
    for (const text of [one.text, list.text]) for (const s of hidden) expect(text).not.toContain(s);

    const client = t.client();
    const viaTrpc = [
      await client.webhookEndpoint.get.query({ id: created.id }),
      ...(await client.webhookEndpoint.list.query({ limit: 100 })).data,
    ];
    for (const endpoint of viaTrpc) {
      expect(Object.keys(endpoint)).not.toContain('secret');
      expect(Object.keys(endpoint)).not.toContain('sealedSecret');
      for (const s of hidden) expect(JSON.stringify(endpoint)).not.toContain(s);
    }
  });

  it('lists endpoints newest first, continued with starting_after', async () => {
    // Tenant B's endpoints are only this test's, so the list is exactly known.
    const made: string[] = [];
    for (const n of [1, 2, 3]) {
      const endpoint = await createEndpoint(
        t,
        { url: `https://b.example/hooks/${n}`, enabled_events: ['invoice.paid'] },
        t.keyB,
      );
      made.push(endpoint.id);
    }
    const newestFirst = [...made].reverse();
    const all = await t.rest<WireList<WireEndpoint>>('GET', '/ledger/webhook-endpoints', {
      key: t.keyB,
    });
    expect(all.body.data.map((endpoint) => endpoint.id)).toEqual(newestFirst);
    expect(all.body.pagination).toMatchObject({ total: 3, has_more: false });

    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 5; pages++) {
      const page = await t.rest<WireList<WireEndpoint>>(
        'GET',
        `/ledger/webhook-endpoints?limit=1${cursor}`,
        { key: t.keyB },
      );
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.data.map((endpoint) => endpoint.id));
      if (!page.body.pagination.has_more) break;
      cursor = `&starting_after=${page.body.pagination.next_cursor}`;
    }
    expect(seen).toEqual(newestFirst);

    const client = t.client(t.keyB);
    const first = await client.webhookEndpoint.list.query({ limit: 2 });
    expect(first.data.map((endpoint) => endpoint.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.pagination.hasMore).toBe(true);
    const rest = await client.webhookEndpoint.list.query({
      startingAfter: first.pagination.nextCursor ?? '',
    });
    expect(rest.data.map((endpoint) => endpoint.id)).toEqual(newestFirst.slice(2));
    expectError(
      await t.rest('GET', '/ledger/webhook-endpoints?starting_after=cus_nope'),
      400,
      'invalid_id',
      'starting_after',
    );
  });

  it('updates url, enabled_events, description (null clears), metadata (merged) and status', async () => {
    const created = await createEndpoint(t, {
      url: 'https://crm.example.com/v1',
      enabled_events: ['customer.created'],
      description: 'first',
      metadata: { a: '1', b: '2' },
    });
    const moved = await put(created.id, {
      url: 'https://crm.example.com/v2',
      enabled_events: ['invoice.*', '*'],
    });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({
      url: 'https://crm.example.com/v2',
      enabled_events: ['invoice.*', '*'],
      description: 'first',
      metadata: { a: '1', b: '2' },
    });
    expect(Object.keys(moved.body).sort()).toEqual(ENDPOINT_FIELDS);
    expect(moved.body.updated_at >= created.updated_at).toBe(true);

    const merged = await put(created.id, { description: null, metadata: { b: null, c: '3' } });
    expect(merged.body).toMatchObject({ description: null, metadata: { a: '1', c: '3' } });
    expect(merged.body.metadata).not.toHaveProperty('b');

    const disabled = await put(created.id, { status: 'disabled' });
    expect(disabled.body).toMatchObject({ status: 'disabled', disabled_reason: null });
    const enabled = await t.client().webhookEndpoint.update.mutate({
      id: created.id,
      status: 'enabled',
      description: 'back',
    });
    expect(enabled).toMatchObject({ status: 'enabled', description: 'back', url: moved.body.url });
    expect((await get(created.id)).body).toMatchObject({ status: 'enabled', description: 'back' });

    expectError(await put(created.id, { status: 'paused' }), 400, 'invalid_input', 'status');
    expectError(await put(created.id, { secret: 'whsec_x' }), 400, 'invalid_input');
    expectError(await put('we_nope', { description: 'x' }), 400, 'invalid_id', 'id');
  });

  it('clears disabled_reason when an endpoint Ledger disabled (410 Gone) is enabled again', async () => {
    const gone = await receiver(() => ({ status: 410 }));
    const endpoint = await createEndpoint(t, { url: gone.url, enabled_events: ['invoice.paid'] });
    expect((await t.rest('POST', `/ledger/webhook-endpoints/${endpoint.id}/test`)).status).toBe(
      202,
    );
    const disabled = await eventually(
      () => get(endpoint.id),
      (res) => res.body.status === 'disabled',
    );
    expect(disabled.body.disabled_reason).toBe('gone');
    // A disabled endpoint is neither sent to nor replayed to until it is enabled.
    expectError(
      await t.rest('POST', `/ledger/webhook-endpoints/${endpoint.id}/test`),
      400,
      'invalid_state',
      'id',
    );
    const enabled = await put(endpoint.id, { status: 'enabled' });
    expect(enabled.status, enabled.text).toBe(200);
    expect(enabled.body).toMatchObject({ status: 'enabled', disabled_reason: null });
    expect((await get(endpoint.id)).body.disabled_reason).toBeNull();
  });

  it('deletes an endpoint: 204, then 404, and the deliveries still pending to it are gone', async () => {
    const failing = await receiver(() => ({ status: 503 }));
    const endpoint = await createEndpoint(t, {
      url: failing.url,
      enabled_events: ['customer.created'],
    });
    await createCustomer(t, { email: 'pending@delete.example' });
    await failing.waitFor(1);
    // The first attempt failed; the second waits 5 s as a pending row.
    const pendingRows = `select count(*) from webhook_deliveries where endpoint_id = '${endpoint.id}' and status = 'pending'`;
    await eventually(
      () => countOf(t, `${pendingRows} and attempt = 2`),
      (n) => n === 1,
    );
    const removed = await t.rest('DELETE', `/ledger/webhook-endpoints/${endpoint.id}`);
    expect(removed.status, removed.text).toBe(204);
    expect(removed.text).toBe('');
    expectError(await get(endpoint.id), 404, 'webhook_endpoint_not_found', 'id');
    expectError(
      await t.rest('DELETE', `/ledger/webhook-endpoints/${endpoint.id}`),
      404,
      'webhook_endpoint_not_found',
      'id',
    );
    expect(
      await countOf(
        t,
        `select count(*) from webhook_deliveries where endpoint_id = '${endpoint.id}'`,
      ),
    ).toBe(0);

    const client = t.client();
    const other = await createEndpoint(t, { url: failing.url, enabled_events: ['invoice.paid'] });
    await client.webhookEndpoint.delete.mutate({ id: other.id });
    expect(await trpcFailure(client.webhookEndpoint.get.query({ id: other.id }))).toMatchObject({
      code: 'webhook_endpoint_not_found',
      param: 'id',
    });
  });

  it('rotates the secret: a new one, both signing during the overlap, the old retired with 0', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(t, { url: hooks.url, enabled_events: ['invoice.paid'] });
    const rotate = (body: unknown) =>
      t.rest<WireEndpoint>('POST', `/ledger/webhook-endpoints/${endpoint.id}/rotate-secret`, {
        body,
      });
    const sendTest = async (count: number) => {
      const res = await t.rest('POST', `/ledger/webhook-endpoints/${endpoint.id}/test`);
      expect(res.status, res.text).toBe(202);
      const received = await hooks.waitFor(count);
      const last = received.at(-1);
      if (!last) throw new Error('nothing received');
      return last;
    };

    const rotated = await rotate({});
    expect(rotated.status, rotated.text).toBe(200);
    const second = WebhookEndpointWithSecretObject.parse(rotated.body).secret;
    expect(second).toMatch(SECRET_PATTERN);
    expect(second).not.toBe(endpoint.secret);
    expect(rotated.body.id).toBe(endpoint.id);
    const overlapping = await sendTest(1);
    expect(String(overlapping.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiesWith(overlapping, second)).toBe(true);
    expect(verifiesWith(overlapping, endpoint.secret)).toBe(true);

    const third = (await rotate({ expire_previous_in: 0 })).body.secret ?? '';
    expect(third).toMatch(SECRET_PATTERN);
    const retired = await sendTest(2);
    expect(String(retired.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifiesWith(retired, third)).toBe(true);
    expect(verifiesWith(retired, second)).toBe(false);

    const viaTrpc = await t.client().webhookEndpoint.rotateSecret.mutate({
      id: endpoint.id,
      expirePreviousIn: 60,
    });
    expect(viaTrpc.secret).toMatch(SECRET_PATTERN);
    expect(viaTrpc.secret).not.toBe(third);
  });

  it('bounds expire_previous_in to 0…604800 seconds', async () => {
    const endpoint = await createEndpoint(t, {
      url: 'https://crm.example.com/rotating',
      enabled_events: ['invoice.paid'],
    });
    const path = `/ledger/webhook-endpoints/${endpoint.id}/rotate-secret`;
    for (const value of [-1, 604_801, 1.5, 'soon', '600', null, true, []]) {
      const res = await t.rest('POST', path, { body: { expire_previous_in: value } });
      expectError(res, 400, 'invalid_input', 'expire_previous_in');
    }
    for (const value of [0, 604_800]) {
      const res = await t.rest('POST', path, { body: { expire_previous_in: value } });
      expect(res.status, `${value}: ${res.text}`).toBe(200);
    }
    expect(
      await trpcFailure(
        t.client().webhookEndpoint.rotateSecret.mutate({
          id: endpoint.id,
          expirePreviousIn: 604_801,
        }),
      ),
    ).toMatchObject({ code: 'invalid_input', param: 'expirePreviousIn' });
    expectError(
      await t.rest('POST', `/ledger/webhook-endpoints/${newId('webhookEndpoint')}/rotate-secret`, {
        body: {},
      }),
      404,
      'webhook_endpoint_not_found',
      'id',
    );
  });

  it('replays the recorded answer of a create sent again with its Idempotency-Key', async () => {
    const url = 'https://crm.example.com/idempotent';
    const create = () =>
      t.rest<WireEndpoint>('POST', '/ledger/webhook-endpoints', {
        body: { url, enabled_events: ['invoice.paid'] },
        headers: { 'Idempotency-Key': 'create-hook-1' },
      });
    const first = await create();
    const again = await create();
    expect(first.status, first.text).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    expect(again.body.secret).toMatch(SECRET_PATTERN);
    expect(await countOf(t, `select count(*) from webhook_endpoints where url = '${url}'`)).toBe(1);
  });

  /** The secrets of endpoints made for the dump tests, and the parts that sign (after `whsec_`). */
  let dumped: { id: string; readable: string[] } | undefined;
  async function dumpedSecrets() {
    if (dumped) return dumped;
    // Keyed, so the answers (which hold the secrets) are also kept for replay: sealed too.
    const keyed = (key: string) => ({ headers: { 'Idempotency-Key': key } });
    const create = () =>
      t.rest<WireEndpoint>('POST', '/ledger/webhook-endpoints', {
        body: { url: 'https://crm.example.com/dumped', enabled_events: ['invoice.paid'] },
        ...keyed(`dump-create-${kind}`),
      });
    const created = await create();
    expect(created.status, created.text).toBe(201);
    const rotate = () =>
      t.rest<WireEndpoint>('POST', `/ledger/webhook-endpoints/${created.body.id}/rotate-secret`, {
        body: { expire_previous_in: 3600 },
        ...keyed(`dump-rotate-${kind}`),
      });
    const rotated = await rotate();
    expect(rotated.status).toBe(200);
    // The replays answer the same secrets, read back from the sealed records.
    expect((await create()).body.secret).toBe(created.body.secret);
    expect((await rotate()).body.secret).toBe(rotated.body.secret);
    const secrets = [created.body.secret ?? '', rotated.body.secret ?? ''];
    for (const secret of secrets) expect(secret).toMatch(SECRET_PATTERN);
    dumped = {
      id: created.body.id,
      readable: secrets.flatMap((secret) => [secret, secret.slice('whsec_'.length)]),
    };
    return dumped;
  }

  it('stores secrets so that no column of webhook_endpoints, or of any table, reads them', async () => {
    const { id, readable } = await dumpedSecrets();
    const endpointRows = rowsOf(
      await t.database.db.execute('select t::text as row from webhook_endpoints t'),
    )
      .map((row) => String(row.row))
      .join('\n');
    expect(endpointRows).toContain(id);
    for (const value of readable)
      expect(endpointRows.includes(value), 'a secret in webhook_endpoints').toBe(false);
    // Every other table too: the attempts log, events, idempotency records.
    const everything = await everyRowAsText(t);
    for (const value of readable) {
      const holders = everything.split('\n').filter((row) => row.includes(value));
      expect(
        holders.map((row) => row.slice(0, 80)),
        'rows holding a secret',
      ).toEqual([]);
    }
  });

  // Registered on PostgreSQL only (pg_dump reads a server), so no run reports it skipped.
  if (kind === 'postgres') {
    it('leaves no secret in a pg_dump of the database', async () => {
      // PostgreSQL's client tools come with the server: without them this is a broken machine.
      expect(await hasPgDump(), 'pg_dump is installed').toBe(true);
      const { id, readable } = await dumpedSecrets();
      const { url } = t.database;
      if (!url) throw new Error('a PostgreSQL test database has a url');
      const { stdout } = await run('pg_dump', ['--no-owner', url], { maxBuffer: 256 << 20 });
      expect(stdout.includes(id)).toBe(true);
      for (const value of readable) {
        const holders = stdout.split('\n').filter((line) => line.includes(value));
        expect(
          holders.map((line) => line.slice(0, 80)),
          'dump lines holding a secret',
        ).toEqual([]);
      }
    });
  }
});
