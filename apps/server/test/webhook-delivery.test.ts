import { readFileSync } from 'node:fs';
import { testDatabaseKinds } from '@ledger/db/testing';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attemptsOf,
  createEndpoint,
  eventOf,
  receiverPool,
  signedHeaders,
  type WireEvent,
} from './delivery-support.js';
import { joinTestLedger, startTestLedger, type TestLedger } from './harness.js';
import { type Received, startReceiver, type TestReceiver } from './receivers.js';
import { createCustomer, manualClock } from './support.js';

/**
 * What a receiver gets from the delivery worker, end to end over real HTTP: signed requests that
 * an independent Standard Webhooks implementation verifies (through a secret rotation too), the
 * event's REST shape as the body, a failing or hanging receiver that holds up nothing else, and
 * private addresses refused where the request is made.
 */

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const receiver = receiverPool();

/** The one request a receiver got about `customerId`. */
function onlyAbout(received: readonly Received[], customerId: string): Received {
  const about = received.filter((request) => request.event.customer_id === customerId);
  expect(about).toHaveLength(1);
  const [request] = about;
  if (!request) throw new Error('unreachable');
  return request;
}

describe.each(testDatabaseKinds())('webhook deliveries on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterAll(() => t?.close());

  it('signs every delivery so standardwebhooks verifies it, with the event as its body', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(t, hooks.url, ['customer.*']);
    const customer = await createCustomer(t, { email: 'signed@hooks.example' });
    const [request] = await hooks.waitFor(1);
    if (!request) throw new Error('unreachable');
    const event = await eventOf(t, customer.id, 'customer.created');

    const verified = new Webhook(endpoint.secret).verify(request.body, signedHeaders(request));
    expect(verified).toEqual(JSON.parse(request.body));
    // The body is the events API's REST shape of that very event.
    const byId = await t.rest<WireEvent>('GET', `/ledger/events/${event.id}`);
    expect(byId.status, byId.text).toBe(200);
    expect(JSON.parse(request.body)).toEqual(byId.body);
    expect(request.event.data).toMatchObject({ object: { id: customer.id } });

    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe(`Ledger-Webhooks/${VERSION}`);
    expect(request.headers['webhook-id']).toBe(event.id);
    const timestamp = Number(request.headers['webhook-timestamp']);
    expect(Number.isInteger(timestamp)).toBe(true);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(300);
    expect(String(request.headers['webhook-signature'])).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);

    // A receiver with another secret, or a body changed on the way, is refused.
    const other = await createEndpoint(t, hooks.url, ['invoice.paid']);
    expect(() => new Webhook(other.secret).verify(request.body, signedHeaders(request))).toThrow(
      WebhookVerificationError,
    );
    expect(() =>
      new Webhook(endpoint.secret).verify(`${request.body} `, signedHeaders(request)),
    ).toThrow(WebhookVerificationError);
    await t.server.ledger.webhooks.drain();
    const [attempt, ...more] = await attemptsOf(t, endpoint.id);
    expect(more).toEqual([]);
    expect(attempt).toMatchObject({ event_id: event.id, attempt: 1, status: 'succeeded' });
    expect(attempt?.response_status).toBe(200);
  });

  it('signs with both secrets during a rotation overlap, and with the new one alone after', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(t, hooks.url, ['customer.created']);
    const old = endpoint.secret;
    const rotated = await t.rest<{ secret: string }>(
      'POST',
      `/ledger/webhook-endpoints/${endpoint.id}/rotate-secret`,
      { body: { expire_previous_in: 3600 } },
    );
    expect(rotated.status, rotated.text).toBe(200);
    const fresh = rotated.body.secret;
    expect(fresh).not.toBe(old);

    const during = await createCustomer(t, { email: 'overlap@hooks.example' });
    const overlap = onlyAbout(await hooks.waitFor(1), during.id);
    const signatures = String(overlap.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((one) => one.startsWith('v1,'))).toBe(true);
    for (const secret of [old, fresh]) {
      expect(new Webhook(secret).verify(overlap.body, signedHeaders(overlap))).toMatchObject({
        id: overlap.headers['webhook-id'],
      });
    }

    const retired = await t.rest<{ secret: string }>(
      'POST',
      `/ledger/webhook-endpoints/${endpoint.id}/rotate-secret`,
      { body: { expire_previous_in: 0 } },
    );
    expect(retired.status, retired.text).toBe(200);
    const newest = retired.body.secret;
    const after = await createCustomer(t, { email: 'after-rotation@hooks.example' });
    const single = onlyAbout(await hooks.waitFor(2), after.id);
    expect(String(single.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(new Webhook(newest).verify(single.body, signedHeaders(single))).toMatchObject({
      customer_id: after.id,
    });
    for (const secret of [old, fresh]) {
      expect(() => new Webhook(secret).verify(single.body, signedHeaders(single))).toThrow(
        WebhookVerificationError,
      );
    }
  });

  it('keeps at most 1 KiB of a long answer', async () => {
    const hooks = await receiver(() => ({ status: 200, body: 'z'.repeat(10 * 1024) }));
    const endpoint = await createEndpoint(t, hooks.url, ['customer.created']);
    await createCustomer(t, { email: 'long-answer@hooks.example' });
    await hooks.waitFor(1);
    await t.server.ledger.webhooks.drain();
    const [attempt] = await attemptsOf(t, endpoint.id);
    expect(attempt).toMatchObject({ status: 'succeeded', response_status: 200 });
    const excerpt = attempt?.response_excerpt ?? '';
    expect(Buffer.byteLength(excerpt)).toBeLessThanOrEqual(1024);
    expect(excerpt).toBe('z'.repeat(excerpt.length));
    expect(excerpt.length).toBeGreaterThan(0);
  });

  it('delivers everything to a healthy endpoint while another keeps failing', async () => {
    const failing = await receiver(() => ({ status: 503 }));
    const healthy = await receiver();
    const broken = await createEndpoint(t, failing.url, ['customer.*']);
    const fine = await createEndpoint(t, healthy.url, ['customer.*']);
    const customers = [];
    for (let i = 0; i < 5; i++) {
      customers.push(await createCustomer(t, { email: `two-endpoints-${i}@hooks.example` }));
    }
    const got = await healthy.waitFor(5);
    expect(got.map((request) => request.event.customer_id).sort()).toEqual(
      customers.map((customer) => customer.id).sort(),
    );
    await failing.waitFor(5);
    await t.server.ledger.webhooks.drain();
    const fineAttempts = await attemptsOf(t, fine.id);
    expect(fineAttempts.map((attempt) => attempt.status)).toEqual(Array(5).fill('succeeded'));
    const brokenFirst = (await attemptsOf(t, broken.id)).filter((a) => a.attempt === 1);
    expect(brokenFirst.map((attempt) => attempt.status)).toEqual(Array(5).fill('failed'));
  });
});

describe.each(testDatabaseKinds())('a receiver that never answers, on %s', (kind) => {
  let t: TestLedger;
  let hooks: TestReceiver;
  beforeAll(async () => {
    hooks = await startReceiver(() => 'hang');
    // Long enough that no attempt ends while the test runs.
    t = await startTestLedger(kind, {}, { LEDGER_WEBHOOK_TIMEOUT_MS: '30000' });
  });
  afterAll(async () => {
    // The hung requests end (and the worker settles them) before the server closes.
    await hooks?.close();
    await t?.close();
  });

  it('does not slow the API: every request completes while deliveries hang', async () => {
    const endpoint = await createEndpoint(t, hooks.url, ['customer.created']);
    await createCustomer(t, { email: 'first-hung@hooks.example' });
    await hooks.waitFor(1);
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        createCustomer(t, { email: `while-hung-${i}@hooks.example` }),
      ),
    );
    expect(created).toHaveLength(30);
    const listed = await t.rest('GET', '/ledger/customers?limit=100');
    expect(listed.status, listed.text).toBe(200);
    // Nothing was answered: the receiver still holds every request it got.
    const attempts = await attemptsOf(t, endpoint.id);
    expect(attempts).toHaveLength(31);
    expect(attempts.every((attempt) => attempt.status === 'pending')).toBe(true);
    expect(hooks.received.length).toBeGreaterThanOrEqual(1);
  });
});

describe.each(testDatabaseKinds())('a rotation overlap ending, on %s', (kind) => {
  // The test's clock starts at the real time, so standardwebhooks (which refuses timestamps
  // more than 5 minutes off the real clock) still verifies after the overlap's minute.
  const time = manualClock(new Date().toISOString());
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock });
  });
  afterAll(() => t?.close());

  it('stops signing with the previous secret once its overlap has expired', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(t, hooks.url, ['customer.created']);
    const rotated = await t.rest<{ secret: string }>(
      'POST',
      `/ledger/webhook-endpoints/${endpoint.id}/rotate-secret`,
      { body: { expire_previous_in: 60 } },
    );
    expect(rotated.status, rotated.text).toBe(200);
    const during = await createCustomer(t, { email: 'overlap-ends-1@hooks.example' });
    const both = onlyAbout(await hooks.waitFor(1), during.id);
    expect(String(both.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => new Webhook(endpoint.secret).verify(both.body, signedHeaders(both))).not.toThrow();

    // Settled first: a jump past its lease would let the attempt in hand be claimed again.
    await t.server.ledger.webhooks.drain();
    time.advance(60_000);
    const after = await createCustomer(t, { email: 'overlap-ends-2@hooks.example' });
    const one = onlyAbout(await hooks.waitFor(2), after.id);
    expect(String(one.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(new Webhook(rotated.body.secret).verify(one.body, signedHeaders(one))).toMatchObject({
      customer_id: after.id,
    });
    expect(() => new Webhook(endpoint.secret).verify(one.body, signedHeaders(one))).toThrow(
      WebhookVerificationError,
    );
  });
});

describe.runIf(testDatabaseKinds().includes('postgres'))('delivery-time address checks', () => {
  let saving: TestLedger;
  let delivering: TestLedger;
  beforeAll(async () => {
    // One process lets the endpoint be saved; the only one delivering refuses private addresses.
    saving = await startTestLedger('postgres');
    await saving.server.ledger.webhooks.stop();
    delivering = await joinTestLedger(saving, {}, { LEDGER_WEBHOOK_ALLOW_PRIVATE: 'false' });
  });
  afterAll(async () => {
    await delivering?.close();
    await saving?.close();
  });

  it('refuses at delivery an address that a less strict process saved, recording why', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(saving, hooks.url, ['customer.created']);
    await createCustomer(saving, { email: 'refused@hooks.example' });
    await delivering.server.ledger.webhooks.drain();
    // Retries (due 5 s later on the real clock) are refused the same way.
    const attempts = await attemptsOf(saving, endpoint.id);
    const made = attempts.filter((attempt) => attempt.status !== 'pending');
    expect(made.length).toBeGreaterThanOrEqual(1);
    for (const attempt of made) {
      expect(attempt).toMatchObject({ status: 'failed', response_status: null });
      expect(attempt.error).toBe('refused: 127.0.0.1 is a private address');
    }
    expect(attempts.at(-1)).toMatchObject({ attempt: made.length + 1, status: 'pending' });
    expect(hooks.received).toEqual([]);
  });
});
