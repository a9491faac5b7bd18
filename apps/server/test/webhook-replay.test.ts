import { EventObject, listObject, WebhookDeliveryObject } from '@ledger/api';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { startReceiver, type TestReceiver } from './receivers.js';
import { createCustomer, expectError, type WireList } from './support.js';
import {
  countOf,
  createEndpoint,
  deliveryRowsOf,
  trpcFailure,
  verifiesWith,
  type WireDelivery,
} from './webhook-support.js';

/**
 * An endpoint's attempts log, replays and test sends (EVENTS.md "Webhook endpoints"): what was
 * sent is listed by event and status; a replay sends events again with the same `webhook-id`; a
 * test send reaches that endpoint alone.
 */

const deliveryPage = listObject(WebhookDeliveryObject);

type WireEvent = { id: string; type: string; created_at: string };

describe.each(testDatabaseKinds())('webhook deliveries, replays and test sends on %s', (kind) => {
  let t: TestLedger;
  const receivers: TestReceiver[] = [];
  async function receiver() {
    const started = await startReceiver(() => ({ status: 204 }));
    receivers.push(started);
    return started;
  }
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterEach(async () => {
    await t.server.ledger.webhooks.drain();
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(() => t?.close());

  const deliveries = (id: string, query = '') =>
    t.rest<WireList<WireDelivery>>('GET', `/ledger/webhook-endpoints/${id}/deliveries${query}`);
  const replay = (id: string, body: unknown) =>
    t.rest<{ queued: number }>('POST', `/ledger/webhook-endpoints/${id}/replay`, { body });
  /** A customer's events over REST, oldest first. */
  async function eventsOfCustomer(customerId: string): Promise<WireEvent[]> {
    const res = await t.rest<WireList<WireEvent>>(
      'GET',
      `/ledger/events?customer_id=${customerId}`,
    );
    return res.body.data.reverse();
  }

  it('lists the attempts log newest first, by event_id and status, with a cursor', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(t, {
      url: hooks.url,
      enabled_events: ['customer.created'],
    });
    const customers: string[] = [];
    for (const n of [1, 2, 3]) {
      customers.push((await createCustomer(t, { email: `log${n}@hooks.example` })).id);
    }
    await hooks.waitFor(3);
    await t.server.ledger.webhooks.drain();
    const all = await deliveries(endpoint.id);
    expect(all.status, all.text).toBe(200);
    const page = deliveryPage.parse(all.body);
    expect(page.data).toHaveLength(3);
    for (const attempt of page.data) {
      expect(attempt).toMatchObject({
        endpoint_id: endpoint.id,
        event_type: 'customer.created',
        attempt: 1,
        status: 'succeeded',
        response_status: 204,
        next_attempt_at: null,
        error: null,
      });
      expect(attempt.duration_ms).toEqual(expect.any(Number));
    }
    // Newest first: the last customer's event leads.
    const eventIds = [];
    for (const customer of customers) {
      const [created] = await eventsOfCustomer(customer);
      if (!created) throw new Error('each customer has its created event');
      eventIds.push(created.id);
    }
    expect(page.data.map((attempt) => attempt.event_id)).toEqual([...eventIds].reverse());

    const one = await deliveries(endpoint.id, `?event_id=${eventIds[1]}`);
    expect(one.body.data.map((attempt) => attempt.event_id)).toEqual([eventIds[1]]);
    expect((await deliveries(endpoint.id, '?status=succeeded')).body.data).toHaveLength(3);
    for (const status of ['pending', 'failed']) {
      const none = await deliveries(endpoint.id, `?status=${status}`);
      expect(none.body.data, status).toEqual([]);
      expect(none.body.pagination.total).toBe(0);
    }
    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 5; pages++) {
      const next = await deliveries(endpoint.id, `?limit=1${cursor}`);
      seen.push(...next.body.data.map((attempt) => attempt.id));
      if (!next.body.pagination.has_more) break;
      cursor = `&starting_after=${next.body.pagination.next_cursor}`;
    }
    expect(seen).toEqual(page.data.map((attempt) => attempt.id));

    expectError(await deliveries(endpoint.id, '?status=done'), 400, 'invalid_input', 'status');
    expectError(await deliveries(endpoint.id, '?event_id=cus_1'), 400, 'invalid_id', 'event_id');
    const viaTrpc = await t.client().webhookEndpoint.deliveries.query({
      id: endpoint.id,
      eventId: eventIds[0] ?? '',
    });
    expect(viaTrpc.data.map((attempt) => [attempt.eventId, attempt.status])).toEqual([
      [eventIds[0], 'succeeded'],
    ]);
  });

  it('replays by event_ids: 202 {queued}, sent again with the same webhook-id', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(t, {
      url: hooks.url,
      enabled_events: ['customer.created'],
    });
    await createCustomer(t, { email: 'replay@hooks.example' });
    const [first] = await hooks.waitFor(1);
    if (!first) throw new Error('the first delivery arrived');
    await t.server.ledger.webhooks.drain();

    const res = await replay(endpoint.id, { event_ids: [first.event.id] });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ queued: 1 });
    const [, again] = await hooks.waitFor(2);
    if (!again) throw new Error('the replay arrived');
    expect(again.headers['webhook-id']).toBe(first.event.id);
    expect(again.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(again.body).toBe(first.body);
    expect(verifiesWith(again, endpoint.secret)).toBe(true);
    await t.server.ledger.webhooks.drain();
    const log = await deliveries(endpoint.id, `?event_id=${first.event.id}`);
    expect(log.body.data.map((attempt) => [attempt.attempt, attempt.status])).toEqual([
      [2, 'succeeded'],
      [1, 'succeeded'],
    ]);

    // An unknown id refuses the whole replay, naming the id at fault; nothing is queued.
    const rows = `select count(*) from webhook_deliveries where endpoint_id = '${endpoint.id}'`;
    const before = await countOf(t, rows);
    const unknown = first.event.id.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const refused = await replay(endpoint.id, { event_ids: [first.event.id, unknown] });
    expectError(refused, 404, 'event_not_found', 'event_ids[1]');
    expect(await countOf(t, rows)).toBe(before);
    expectError(await replay(endpoint.id, { event_ids: [] }), 400, 'invalid_input', 'event_ids');

    const client = t.client();
    expect(
      await client.webhookEndpoint.replay.mutate({ id: endpoint.id, eventIds: [first.event.id] }),
    ).toEqual({ queued: 1 });
    await hooks.waitFor(3);
    expect(
      await trpcFailure(
        client.webhookEndpoint.replay.mutate({ id: endpoint.id, eventIds: [unknown] }),
      ),
    ).toMatchObject({ code: 'event_not_found', param: 'eventIds[0]' });
  });

  it('replays a range by since/until and types, whatever the endpoint subscribes to', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(t, { url: hooks.url, enabled_events: ['invoice.paid'] });
    const customer = await createCustomer(t, { email: 'range@hooks.example' });
    const renamed = await t.rest('PUT', `/ledger/customers/${customer.id}`, {
      body: { name: 'Range Renamed' },
    });
    expect(renamed.status).toBe(200);
    const [created, updated] = await eventsOfCustomer(customer.id);
    if (!created || !updated) throw new Error('two events');
    expect([created.type, updated.type]).toEqual(['customer.created', 'customer.updated']);
    const range = { since: created.created_at, until: updated.created_at };

    const typed = await replay(endpoint.id, { ...range, types: ['customer.updated'] });
    expect(typed.status, typed.text).toBe(202);
    expect(typed.body).toEqual({ queued: 1 });
    const [sent] = await hooks.waitFor(1);
    expect(sent?.headers['webhook-id']).toBe(updated.id);
    expect(sent?.event.type).toBe('customer.updated');

    const both = await replay(endpoint.id, { ...range, types: ['customer.*'] });
    expect(both.body).toEqual({ queued: 2 });
    const received = await hooks.waitFor(3);
    expect(received.slice(1).map((r) => r.headers['webhook-id'])).toEqual([created.id, updated.id]);

    const empty = await replay(endpoint.id, {
      since: '2000-01-01T00:00:00Z',
      until: '2000-01-02T00:00:00Z',
    });
    expect(empty.body).toEqual({ queued: 0 });
    expectError(
      await replay(endpoint.id, { event_ids: [created.id], since: range.since }),
      400,
      'invalid_input',
      'event_ids',
    );
    expectError(await replay(endpoint.id, {}), 400, 'invalid_input', 'since');
    expectError(await replay(endpoint.id, { types: ['customer.*'] }), 400, 'invalid_input');
    expectError(
      await replay(endpoint.id, { since: range.until, until: '2000-01-01T00:00:00Z' }),
      400,
      'invalid_input',
      'until',
    );
    expectError(
      await replay(endpoint.id, { since: range.since, types: ['nothing.*'] }),
      400,
      'invalid_input',
      'types[0]',
    );
    expect(
      await trpcFailure(t.client().webhookEndpoint.replay.mutate({ id: endpoint.id })),
    ).toMatchObject({ code: 'invalid_input', param: 'since' });
  });

  it('refuses to replay to a disabled endpoint (invalid_state) and queues nothing', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(t, {
      url: hooks.url,
      enabled_events: ['customer.created'],
    });
    await createCustomer(t, { email: 'disabled@hooks.example' });
    const [first] = await hooks.waitFor(1);
    if (!first) throw new Error('the first delivery arrived');
    await t.server.ledger.webhooks.drain();
    const off = await t.rest('PUT', `/ledger/webhook-endpoints/${endpoint.id}`, {
      body: { status: 'disabled' },
    });
    expect(off.status).toBe(200);
    const rows = `select count(*) from webhook_deliveries where endpoint_id = '${endpoint.id}'`;
    expect(await countOf(t, rows)).toBe(1);
    for (const body of [{ event_ids: [first.event.id] }, { since: '2000-01-01T00:00:00Z' }]) {
      const refused = expectError(await replay(endpoint.id, body), 400, 'invalid_state', 'id');
      expect(refused.details).toMatchObject({ status: 'disabled' });
    }
    expect(await countOf(t, rows)).toBe(1);
  });

  it('sends a signed webhook_endpoint.test to that endpoint alone', async () => {
    const target = await receiver();
    const bystander = await receiver();
    const endpoint = await createEndpoint(t, { url: target.url, enabled_events: ['invoice.paid'] });
    const everything = await createEndpoint(t, { url: bystander.url, enabled_events: ['*'] });

    const res = await t.rest('POST', `/ledger/webhook-endpoints/${endpoint.id}/test`);
    expect(res.status, res.text).toBe(202);
    const event = EventObject.parse(res.body);
    expect(event).toMatchObject({ type: 'webhook_endpoint.test', customer_id: null });
    expect(event.data.object).toMatchObject({ id: endpoint.id, url: target.url });
    expect(event.data.object).not.toHaveProperty('secret');

    const [sent] = await target.waitFor(1);
    if (!sent) throw new Error('the test event arrived');
    expect(sent.headers['webhook-id']).toBe(event.id);
    expect(sent.event).toMatchObject({ id: event.id, type: 'webhook_endpoint.test' });
    expect(sent.headers['user-agent']).toMatch(/^Ledger-Webhooks\//);
    expect(sent.headers['content-type']).toMatch(/^application\/json/);
    expect(verifiesWith(sent, endpoint.secret)).toBe(true);
    expect(verifiesWith(sent, everything.secret)).toBe(false);

    // The endpoint subscribed to everything was never even queued the test event.
    await t.server.ledger.webhooks.drain();
    expect(await deliveryRowsOf(t, event.id)).toEqual([
      { endpointId: endpoint.id, status: 'succeeded', attempt: 1 },
    ]);
    expect(bystander.received.filter((r) => r.headers['webhook-id'] === event.id)).toEqual([]);

    const viaTrpc = await t.client().webhookEndpoint.test.mutate({ id: endpoint.id });
    expect(viaTrpc.type).toBe('webhook_endpoint.test');
    const both = await target.waitFor(2);
    expect(both[1]?.headers['webhook-id']).toBe(viaTrpc.id);
    expectError(
      await t.rest('POST', `/ledger/webhook-endpoints/${endpoint.id}/test`, { body: { x: 1 } }),
      400,
      'invalid_input',
    );
  });
});
