import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attemptsOf,
  createEndpoint,
  eventOf,
  getEndpoint,
  listEvents,
  receiverPool,
  renameCustomer,
  sequencesOf,
} from './delivery-support.js';
import { startTestLedger, type TestLedger } from './harness.js';
import { createCustomer, manualClock } from './support.js';

/**
 * Delivery order (EVENTS.md "Order"), on a clock the test moves so retries come when it says:
 * one customer's events reach an endpoint in `sequence` order, a later one held while an earlier
 * one is being retried (that hold never delays another customer) or while its endpoint is
 * disabled (after a `410`), and sent in order once it is enabled again.
 */

const receiver = receiverPool();

describe.each(testDatabaseKinds())('webhook delivery order on %s', (kind) => {
  const time = manualClock('2026-03-01T00:00:00.000Z');
  let t: TestLedger;
  const drain = () => t.server.ledger.webhooks.drain();
  beforeAll(async () => {
    // The default attempt timeout (15 s): a receiver here may hold a request while the test acts.
    t = await startTestLedger(kind, { clock: time.clock });
  });
  afterAll(() => t?.close());

  it("holds a customer's later events while an earlier one is retried, and not another customer's", async () => {
    const blockedEmail = 'ordered-a@hooks.example';
    let healed = false;
    const hooks = await receiver((request) => {
      const object = request.event.data as { object: { email?: string } };
      const blockedFirst =
        request.event.type === 'customer.created' && object.object.email === blockedEmail;
      return blockedFirst && !healed ? { status: 500 } : { status: 200 };
    });
    const endpoint = await createEndpoint(t, hooks.url, ['customer.*']);
    const a = await createCustomer(t, { email: blockedEmail });
    await hooks.waitFor(1);
    await renameCustomer(t, a.id, 'A second');
    await renameCustomer(t, a.id, 'A third');
    const b = await createCustomer(t, { email: 'ordered-b@hooks.example' });
    await renameCustomer(t, b.id, 'B second');
    await renameCustomer(t, b.id, 'B third');
    await hooks.waitFor(4);
    await drain();
    expect(sequencesOf(hooks.received, a.id)).toEqual([1]);
    expect(sequencesOf(hooks.received, b.id)).toEqual([1, 2, 3]);
    // A's later events wait, never attempted, behind A's first.
    const created = await eventOf(t, a.id, 'customer.created');
    const waiting = (await attemptsOf(t, endpoint.id)).filter(
      (attempt) => attempt.event_type === 'customer.updated' && attempt.status === 'pending',
    );
    expect(waiting).toHaveLength(2);
    expect(waiting.every((attempt) => attempt.attempt === 1)).toBe(true);

    // Two more failed retries of A's first; B's new events go out meanwhile, A's do not.
    for (const delay of [5_000, 5 * 60_000]) {
      time.advance(delay);
      await renameCustomer(t, b.id, `B after ${delay}`);
      await drain();
    }
    expect(sequencesOf(hooks.received, a.id)).toEqual([1, 1, 1]);
    expect(sequencesOf(hooks.received, b.id)).toEqual([1, 2, 3, 4, 5]);
    expect((await attemptsOf(t, endpoint.id, created.id)).map((a) => a.status)).toEqual([
      'failed',
      'failed',
      'failed',
      'pending',
    ]);

    healed = true;
    time.advance(30 * 60_000);
    await drain();
    expect(sequencesOf(hooks.received, a.id)).toEqual([1, 1, 1, 1, 2, 3]);
    const updates = hooks.received
      .filter((request) => request.event.customer_id === a.id && request.event.sequence > 1)
      .map((request) => (request.event.data as { object: { name: string } }).object.name);
    expect(updates).toEqual(['A second', 'A third']);
    const pending = (await attemptsOf(t, endpoint.id)).filter((a) => a.status === 'pending');
    expect(pending).toEqual([]);
  });

  it('sends a delivery held behind a retry only after the retry succeeds, even when it is due', async () => {
    let failures = 2;
    const hooks = await receiver((request) =>
      request.event.sequence === 1 && failures-- > 0 ? { status: 500 } : { status: 200 },
    );
    await createEndpoint(t, hooks.url, ['customer.*']);
    const customer = await createCustomer(t, { email: 'held@hooks.example' });
    await hooks.waitFor(1);
    await renameCustomer(t, customer.id, 'Held second');
    await drain();
    // The update has been due all along; just before the retry is due, it still waits.
    time.advance(5_000 - 1);
    await drain();
    expect(sequencesOf(hooks.received, customer.id)).toEqual([1]);
    time.advance(1);
    await drain();
    expect(sequencesOf(hooks.received, customer.id)).toEqual([1, 1]);
    time.advance(5 * 60_000);
    await drain();
    expect(sequencesOf(hooks.received, customer.id)).toEqual([1, 1, 1, 2]);
  });

  it('disables an endpoint at a 410, records it, and sends its held deliveries in order once re-enabled', async () => {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let answered = 0;
    const hooks = await receiver(async () => {
      // The first request is held until the test has queued more, then told the endpoint is gone.
      if (answered++ > 0) return { status: 200 };
      await released;
      return { status: 410, body: 'gone' };
    });
    const watcher = await receiver();
    const endpoint = await createEndpoint(t, hooks.url, ['customer.*']);
    const watching = await createEndpoint(t, watcher.url, ['webhook_endpoint.*']);
    const customer = await createCustomer(t, { email: 'gone@hooks.example' });
    await hooks.waitFor(1);
    await renameCustomer(t, customer.id, 'Gone Twice');
    await renameCustomer(t, customer.id, 'Gone Thrice');
    release();
    await drain();

    expect(await getEndpoint(t, endpoint.id)).toMatchObject({
      status: 'disabled',
      disabled_reason: 'gone',
    });
    const created = await eventOf(t, customer.id, 'customer.created');
    const [gone, ...noRetry] = await attemptsOf(t, endpoint.id, created.id);
    expect(gone).toMatchObject({ status: 'failed', response_status: 410, next_attempt_at: null });
    expect(noRetry).toEqual([]);
    const held = (await attemptsOf(t, endpoint.id)).filter((a) => a.status === 'pending');
    expect(held).toHaveLength(2);

    const disabled = (await listEvents(t, 'type=webhook_endpoint.disabled')).filter(
      (event) => event.data.object.id === endpoint.id,
    );
    expect(disabled).toHaveLength(1);
    expect(disabled[0]?.data.object).toMatchObject({ status: 'disabled', disabled_reason: 'gone' });
    const [notice] = await watcher.waitFor(1);
    expect(notice?.event).toMatchObject({ id: disabled[0]?.id, type: 'webhook_endpoint.disabled' });
    const byId = await t.rest('GET', `/ledger/events/${disabled[0]?.id}`);
    expect(notice?.event).toEqual(byId.body);
    await drain();
    expect((await attemptsOf(t, watching.id)).map((a) => a.status)).toEqual(['succeeded']);

    // Disabled, it is sent nothing, however much time passes.
    time.advance(3_600_000);
    await drain();
    expect(sequencesOf(hooks.received, customer.id)).toEqual([1]);

    const enabled = await t.rest('PUT', `/ledger/webhook-endpoints/${endpoint.id}`, {
      body: { status: 'enabled' },
    });
    expect(enabled.status, enabled.text).toBe(200);
    expect(enabled.body).toMatchObject({ status: 'enabled', disabled_reason: null });
    await hooks.waitFor(3);
    await drain();
    expect(sequencesOf(hooks.received, customer.id)).toEqual([1, 2, 3]);
    const statuses = (await attemptsOf(t, endpoint.id)).map((a) => a.status);
    expect(statuses.sort()).toEqual(['failed', 'succeeded', 'succeeded']);
  });
});
