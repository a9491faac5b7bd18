import { serviceContext } from '@ledger/api';
import { testDatabaseKinds } from '@ledger/db/testing';
import {
  type CustomerId,
  createCustomer as createCustomerVerb,
  type EventId,
  type Store,
  type StoreTx,
  type WebhookEndpointId,
} from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { startReceiver, type TestReceiver } from './receivers.js';
import { createCustomer, scopeA } from './support.js';
import { countOf, createEndpoint, deliveryRowsOf } from './webhook-support.js';

/**
 * Deliveries are queued in the event's own transaction (EVENTS.md "Delivery"): a committed event
 * has exactly one delivery per enabled endpoint subscribed to its type, a rolled-back one none,
 * and nothing of it ever reaches a receiver.
 */

/** The store of a transaction as the server runs it: nested calls reuse it (bind.ts). */
function asStore(tx: StoreTx): Store {
  if (!('transaction' in tx)) throw new Error('a transaction store reuses itself when nested');
  return tx as Store;
}

/** The endpoints of the walk, by name, each subscribed as its name says. */
type Name = 'all' | 'customer' | 'paymentMethod' | 'invoice' | 'exactCreated' | 'disabled';
const SUBSCRIPTIONS: Record<Name, readonly string[]> = {
  all: ['*'],
  customer: ['customer.*'],
  paymentMethod: ['customer.payment_method.*'],
  invoice: ['invoice.*'],
  exactCreated: ['customer.created'],
  disabled: ['*'],
};

describe.each(testDatabaseKinds())('webhook deliveries queued with their event on %s', (kind) => {
  let t: TestLedger;
  let hooks: TestReceiver;
  const ids = {} as Record<Name, string>;
  let otherScope: string;
  const nameOf = (endpointId: string) =>
    (Object.keys(ids) as Name[]).find((name) => ids[name] === endpointId) ?? endpointId;
  /** Which endpoints were queued `eventId`, by name, sorted; one row each (first attempts). */
  async function queuedTo(eventId: string) {
    const rows = await deliveryRowsOf(t, eventId);
    for (const row of rows) expect(row.attempt).toBe(1);
    return rows.map((row) => nameOf(row.endpointId)).sort();
  }

  beforeAll(async () => {
    t = await startTestLedger(kind);
    hooks = await startReceiver(() => ({ status: 204 }));
    for (const [name, enabled] of Object.entries(SUBSCRIPTIONS) as Array<
      [Name, readonly string[]]
    >) {
      const endpoint = await createEndpoint(t, {
        url: `${hooks.url}/${name}`,
        enabled_events: enabled,
      });
      ids[name] = endpoint.id;
    }
    const off = await t.rest('PUT', `/ledger/webhook-endpoints/${ids.disabled}`, {
      body: { status: 'disabled' },
    });
    expect(off.status).toBe(200);
    otherScope = (
      await createEndpoint(t, { url: `${hooks.url}/other-scope`, enabled_events: ['*'] }, t.keyB)
    ).id;
  });
  afterAll(async () => {
    await t?.close();
    await hooks?.close();
  });

  it('queues a committed event once to each enabled endpoint that subscribes to its type', async () => {
    const customer = await createCustomer(t, { email: 'queued@hooks.example' });
    const added = await t.rest('POST', `/ledger/customers/${customer.id}/payment-methods`, {
      body: { token: 'tok_visa' },
    });
    expect(added.status, added.text).toBe(201);
    const events = await t.server.ledger.deps.store.listEvents(scopeA, {
      customerId: customer.id as CustomerId,
      limit: 10,
    });
    const created = events.find((event) => event.type === 'customer.created');
    const methodAdded = events.find((event) => event.type === 'customer.payment_method.added');
    if (!created || !methodAdded) throw new Error(`events: ${events.map((e) => e.type)}`);

    // "invoice.*" matches no customer event; customer.* and the exact prefix do.
    expect(await queuedTo(created.id)).toEqual(['all', 'customer', 'exactCreated']);
    expect(await queuedTo(methodAdded.id)).toEqual(['all', 'customer', 'paymentMethod']);

    await hooks.waitFor(6);
    await t.server.ledger.webhooks.drain();
    const pathsOf = (eventId: string) =>
      hooks.received
        .filter((r) => r.headers['webhook-id'] === eventId)
        .map((r) => r.path.slice('/hooks/'.length))
        .sort();
    expect(pathsOf(created.id)).toEqual(['all', 'customer', 'exactCreated']);
    expect(pathsOf(methodAdded.id)).toEqual(['all', 'customer', 'paymentMethod']);
    expect(await queuedTo(created.id)).toEqual(['all', 'customer', 'exactCreated']);
    const otherRows = `select count(*) from webhook_deliveries where endpoint_id = '${otherScope}'`;
    expect(await countOf(t, otherRows)).toBe(0);
  });

  it('leaves no delivery of an event whose transaction rolled back, and sends nothing', async () => {
    const { deps } = t.server.ledger;
    let seen: { eventId: EventId; queuedInside: number } | undefined;
    const rolledBack = deps.store.transaction(async (tx) => {
      const ctx = serviceContext(deps, scopeA, asStore(tx));
      const customer = await createCustomerVerb(ctx, {
        name: 'Rolled Back',
        email: 'rolled-back@hooks.example',
        currency: 'USD',
      });
      const [event] = await tx.listEvents(scopeA, { customerId: customer.id, limit: 10 });
      if (!event) throw new Error('the event is appended in the transaction');
      // Inside the transaction the deliveries exist, queued with the event.
      const inside = await tx.listWebhookDeliveries(scopeA, ids.all as WebhookEndpointId, {
        eventId: event.id,
        limit: 10,
      });
      seen = { eventId: event.id, queuedInside: inside.rows.length };
      throw new Error('the change fails after its event was appended');
    });
    await expect(rolledBack).rejects.toThrow('the change fails after its event was appended');
    if (!seen) throw new Error('the transaction ran');
    expect(seen.queuedInside).toBe(1);

    expect(await deliveryRowsOf(t, seen.eventId)).toEqual([]);
    expect(await countOf(t, `select count(*) from events where id = '${seen.eventId}'`)).toBe(0);
    expect(
      await countOf(t, "select count(*) from customers where email = 'rolled-back@hooks.example'"),
    ).toBe(0);

    // The same change committed: its deliveries are there, and go out.
    const committed = await deps.store.transaction(async (tx) => {
      const ctx = serviceContext(deps, scopeA, asStore(tx));
      const customer = await createCustomerVerb(ctx, {
        name: 'Committed',
        email: 'committed@hooks.example',
        currency: 'USD',
      });
      const [event] = await tx.listEvents(scopeA, { customerId: customer.id, limit: 10 });
      return event?.id ?? '';
    });
    expect(await queuedTo(committed)).toEqual(['all', 'customer', 'exactCreated']);
    await t.server.ledger.webhooks.drain();
    await allArrived(committed);
    expect(hooks.received.filter((r) => r.headers['webhook-id'] === seen?.eventId)).toEqual([]);
  });

  /** Waits until the receiver has every delivery of `eventId` queued to it. */
  async function allArrived(eventId: string) {
    const expected = (await deliveryRowsOf(t, eventId)).length;
    const deadline = Date.now() + 20_000;
    while (hooks.received.filter((r) => r.headers['webhook-id'] === eventId).length < expected) {
      if (Date.now() > deadline) throw new Error(`not all deliveries of ${eventId} arrived`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
});
