import { testDatabaseKinds } from '@ledger/db/testing';
import { WEBHOOK_RETRY_DELAYS_MS } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { startReceiver, type TestReceiver } from './receivers.js';
import { createCustomer, firstCount, manualClock } from './support.js';

/**
 * Event retention (`LEDGER_EVENT_RETENTION_DAYS`) never prunes an event a webhook delivery still
 * owes: an old event whose attempt is pending (the receiver fails, a retry is queued) stays; once
 * delivered, or failed for good after its last retry, it goes at the next pass, and its attempts
 * log with it (the deliveries' foreign key cascades). A manual clock makes the event old and the
 * retries due.
 */

const HOUR = 3_600_000;

describe.each(testDatabaseKinds())('webhooks and event retention on %s', (kind) => {
  const time = manualClock('2026-03-02T09:00:00Z');
  let t: TestLedger;
  let receiver: TestReceiver;
  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock }, { LEDGER_EVENT_RETENTION_DAYS: '1' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  /** Every attempt made and settled by now, and the in-process handlers done. */
  async function settle() {
    await t.server.ledger.webhooks.drain();
    await t.server.ledger.events.drain();
  }

  async function attemptRows(eventId: string): Promise<number> {
    return firstCount(
      await t.server.ledger.database.db.execute(
        `select count(*) from webhook_deliveries where event_id = '${eventId}'`,
      ),
    );
  }

  async function eventStatus(eventId: string): Promise<number> {
    return (await t.rest('GET', `/ledger/events/${eventId}`)).status;
  }

  it('keeps an old event while its delivery is pending, prunes it with its attempts after', async () => {
    const endpoint = await t.rest<{ id: string }>('POST', '/ledger/webhook-endpoints', {
      body: { url: receiver.url, enabled_events: ['customer.created'] },
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    receiver.answer = () => ({ status: 500 });
    const healed = await createCustomer(t, { email: 'healed@example.com' });
    const broken = await createCustomer(t, { email: 'broken@example.com' });
    const eventOf = async (customer: string) => {
      const list = await t.rest<{ data: Array<{ id: string }> }>(
        'GET',
        `/ledger/events?type=customer.created&customer_id=${customer}`,
      );
      const id = list.body.data[0]?.id;
      if (!id) throw new Error(`no customer.created event for ${customer}`);
      return id;
    };
    const [healedEvent, brokenEvent] = [await eventOf(healed.id), await eventOf(broken.id)];

    await settle();
    expect(receiver.received).toHaveLength(2);
    // From now on one receiver heals: its next request is answered 200 once the test says so.
    let heal = () => {};
    const healedNow = new Promise<void>((resolve) => {
      heal = resolve;
    });
    receiver.answer = async (request) => {
      if (request.event.customer_id !== healed.id) return { status: 500 };
      await healedNow;
      return { status: 200 };
    };
    // Past retention, each delivery still owed (its retry pending or in flight): none pruned.
    time.advance(25 * HOUR);
    expect(await t.server.ledger.retention.pruneNow()).toBe(0);
    expect(await eventStatus(healedEvent)).toBe(200);
    expect(await eventStatus(brokenEvent)).toBe(200);

    // The receiver answers: its event is delivered, and then pruned with both of its attempts.
    heal();
    await settle();
    expect(await attemptRows(healedEvent)).toBe(2);
    expect(await t.server.ledger.retention.pruneNow()).toBe(1);
    expect(await eventStatus(healedEvent)).toBe(404);
    expect(await attemptRows(healedEvent)).toBe(0);
    expect(await eventStatus(brokenEvent)).toBe(200);

    // The other fails through the rest of its schedule; the last failure owes nothing more.
    for (let attempt = 3; attempt <= WEBHOOK_RETRY_DELAYS_MS.length + 1; attempt++) {
      expect(await t.server.ledger.retention.pruneNow()).toBe(0);
      time.advance(11 * HOUR);
      await settle();
    }
    const attempts = await t.rest<{ data: Array<{ status: string }> }>(
      'GET',
      `/ledger/webhook-endpoints/${endpoint.body.id}/deliveries?event_id=${brokenEvent}&limit=100`,
    );
    expect(attempts.body.data.map((attempt) => attempt.status)).toEqual(
      Array(WEBHOOK_RETRY_DELAYS_MS.length + 1).fill('failed'),
    );
    expect(await t.server.ledger.retention.pruneNow()).toBe(1);
    expect(await eventStatus(brokenEvent)).toBe(404);
    expect(await attemptRows(brokenEvent)).toBe(0);
  });
});
