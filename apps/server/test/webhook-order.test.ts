import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attemptsOf,
  createEndpoint,
  eventOf,
  receiverPool,
  renameCustomer,
  sequencesOf,
} from './delivery-support.js';
import { startTestLedger, type TestLedger } from './harness.js';
import { createCustomer, manualClock } from './support.js';

/**
 * Delivery order (EVENTS.md "Order"), on a clock the test moves so retries come when it says:
 * one customer's events reach an endpoint in `sequence` order, a later one held while an earlier
 * one is being retried, and that hold never delays another customer.
 */

const receiver = receiverPool();

describe.each(testDatabaseKinds())('webhook delivery order on %s', (kind) => {
  const time = manualClock('2026-03-01T00:00:00.000Z');
  let t: TestLedger;
  const drain = () => t.server.ledger.webhooks.drain();
  beforeAll(async () => {
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
});
