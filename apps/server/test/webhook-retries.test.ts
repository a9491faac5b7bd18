import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attemptsOf,
  createEndpoint,
  eventOf,
  getEndpoint,
  listEvents,
  receiverPool,
} from './delivery-support.js';
import { startTestLedger, type TestLedger } from './harness.js';
import { createCustomer, DAY, manualClock } from './support.js';

/**
 * Retries and disabling on a clock the test moves (the worker reads the server's clock): each
 * retry goes out at its delay and not a moment before, a failing delivery ends `failed` after
 * the 8th attempt, a timeout or a redirect is a failure, and an endpoint is disabled after 5
 * days of failures without a success.
 */

const SECOND = 1000;
const HOUR = 3_600_000;
/** The waits after attempts 1…7 (EVENTS.md): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
const SCHEDULE = [
  5 * SECOND,
  5 * 60 * SECOND,
  30 * 60 * SECOND,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
];

const receiver = receiverPool();

describe.each(testDatabaseKinds())('webhook retries on %s', (kind) => {
  const time = manualClock('2026-03-01T00:00:00.000Z');
  let t: TestLedger;
  /** Sends everything due at the test's time and waits until it is settled. */
  const drain = () => t.server.ledger.webhooks.drain();
  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock });
  });
  afterAll(() => t?.close());

  it('retries a failing delivery on the schedule, never early, and gives up after 8 attempts', async () => {
    const hooks = await receiver(() => ({ status: 500, body: 'try later' }));
    const endpoint = await createEndpoint(t, hooks.url, ['customer.created']);
    const customer = await createCustomer(t, { email: 'retried@hooks.example' });
    const event = await eventOf(t, customer.id, 'customer.created');
    await hooks.waitFor(1);
    await drain();

    const [first, second, ...none] = await attemptsOf(t, endpoint.id, event.id);
    expect(none).toEqual([]);
    expect(first).toMatchObject({
      attempt: 1,
      status: 'failed',
      response_status: 500,
      response_excerpt: 'try later',
      error: null,
      next_attempt_at: new Date(time.now.getTime() + 5 * SECOND).toISOString(),
    });
    expect(second).toMatchObject({
      attempt: 2,
      status: 'pending',
      response_status: null,
      next_attempt_at: first?.next_attempt_at,
    });

    for (const [index, delay] of SCHEDULE.entries()) {
      const sent = hooks.received.length;
      time.advance(delay - 1);
      await drain();
      expect(hooks.received.length, `attempt ${index + 2} went out early`).toBe(sent);
      time.advance(1);
      await drain();
      await hooks.waitFor(sent + 1);
      expect(hooks.received.length).toBe(sent + 1);
      const request = hooks.received[sent];
      expect(request?.headers['webhook-id']).toBe(event.id);
      expect(request?.headers['webhook-timestamp']).toBe(String(time.now.getTime() / 1000));

      const attempts = await attemptsOf(t, endpoint.id, event.id);
      const made = attempts[index + 1];
      expect(made).toMatchObject({ attempt: index + 2, status: 'failed', response_status: 500 });
      const next = SCHEDULE[index + 1];
      if (next === undefined) {
        expect(made?.next_attempt_at).toBeNull();
        expect(attempts).toHaveLength(8);
      } else {
        expect(made?.next_attempt_at).toBe(new Date(time.now.getTime() + next).toISOString());
        expect(attempts[index + 2]).toMatchObject({ attempt: index + 3, status: 'pending' });
      }
    }

    const attempts = await attemptsOf(t, endpoint.id, event.id);
    expect(attempts.map((attempt) => attempt.status)).toEqual(Array(8).fill('failed'));
    const pending = await t.rest<{ data: unknown[] }>(
      'GET',
      `/ledger/webhook-endpoints/${endpoint.id}/deliveries?status=pending`,
    );
    expect(pending.body.data).toEqual([]);
    // Nothing is left to send, however long the test waits.
    time.advance(30 * DAY);
    await drain();
    expect(hooks.received).toHaveLength(8);
    expect((await getEndpoint(t, endpoint.id)).status).toBe('enabled');
  });

  it('counts a redirect as a failure and does not follow it', async () => {
    const target = await receiver();
    const hooks = await receiver(() => ({
      status: 302,
      headers: { location: `${target.url}/elsewhere` },
    }));
    const endpoint = await createEndpoint(t, hooks.url, ['customer.created']);
    await createCustomer(t, { email: 'redirected@hooks.example' });
    await hooks.waitFor(1);
    await drain();
    const [first, retry] = await attemptsOf(t, endpoint.id);
    expect(first).toMatchObject({ attempt: 1, status: 'failed', response_status: 302 });
    expect(retry).toMatchObject({ attempt: 2, status: 'pending' });
    expect(target.received).toEqual([]);
  });

  it('disables an endpoint failing for 5 days without a success, and not one that succeeded in between', async () => {
    const failing = await receiver(() => ({ status: 500 }));
    let succeedNext = false;
    const flaky = await receiver(() => {
      if (!succeedNext) return { status: 500 };
      succeedNext = false;
      return { status: 200 };
    });
    const watcher = await receiver();
    const dead = await createEndpoint(t, failing.url, ['customer.created']);
    const recovered = await createEndpoint(t, flaky.url, ['customer.created']);
    await createEndpoint(t, watcher.url, ['webhook_endpoint.disabled']);
    const start = time.now.getTime();
    let made = 0;
    /** At `offset` after the first failure: a new event, and every retry due by then. */
    const failAt = async (offset: number) => {
      time.set(new Date(start + offset));
      const before = failing.received.length;
      await createCustomer(t, { email: `failing-${made++}@hooks.example` });
      await drain();
      expect(failing.received.length).toBeGreaterThan(before);
    };

    for (let offset = 0; offset < 5 * DAY; offset += 12 * HOUR) {
      if (offset === 3 * DAY) succeedNext = true;
      await failAt(offset);
      expect((await getEndpoint(t, dead.id)).status).toBe('enabled');
    }
    expect(succeedNext).toBe(false);
    await failAt(5 * DAY - 1);
    expect((await getEndpoint(t, dead.id)).status).toBe('enabled');
    const flakyBefore = flaky.received.length;

    await failAt(5 * DAY);
    expect(await getEndpoint(t, dead.id)).toMatchObject({
      status: 'disabled',
      disabled_reason: 'failing',
    });
    // The one that succeeded at day 3 fails still, but its failing clock started after that.
    expect(flaky.received.length).toBeGreaterThan(flakyBefore);
    expect(await getEndpoint(t, recovered.id)).toMatchObject({
      status: 'enabled',
      disabled_reason: null,
    });
    const disabled = await listEvents(t, 'type=webhook_endpoint.disabled');
    const aboutDead = disabled.filter((event) => event.data.object.id === dead.id);
    expect(aboutDead).toHaveLength(1);
    expect(aboutDead[0]?.created_at).toBe(new Date(start + 5 * DAY).toISOString());
    expect(disabled.filter((event) => event.data.object.id === recovered.id)).toEqual([]);
    const [notice] = await watcher.waitFor(1);
    expect(notice?.event).toMatchObject({
      id: aboutDead[0]?.id,
      type: 'webhook_endpoint.disabled',
    });
  });
});

describe.each(testDatabaseKinds())('webhook attempt timeouts on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    // A short attempt timeout on a server of its own (every other test's receivers answer), on
    // a clock that stands still so the retry waits for the test.
    const { clock } = manualClock('2026-03-01T00:00:00.000Z');
    t = await startTestLedger(kind, { clock }, { LEDGER_WEBHOOK_TIMEOUT_MS: '300' });
  });
  afterAll(() => t?.close());

  it('fails an attempt the receiver does not answer in time, naming the timeout', async () => {
    const hooks = await receiver(() => 'hang');
    const endpoint = await createEndpoint(t, hooks.url, ['customer.created']);
    await createCustomer(t, { email: 'timed-out@hooks.example' });
    await hooks.waitFor(1);
    await t.server.ledger.webhooks.drain();
    const [attempt, retry] = await attemptsOf(t, endpoint.id);
    expect(attempt).toMatchObject({ attempt: 1, status: 'failed', response_status: null });
    expect(attempt?.error).toMatch(/timed out after 300 ms/);
    expect(retry).toMatchObject({ attempt: 2, status: 'pending' });
  });
});
