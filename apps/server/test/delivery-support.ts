import { afterAll, expect, onTestFinished } from 'vitest';
import type { TestLedger } from './harness.js';
import { type Received, startReceiver, type TestReceiver } from './receivers.js';
import type { WireList } from './support.js';

/**
 * What the webhook delivery tests share: endpoints that remove themselves when their test ends
 * (so one test's events never reach another test's receiver), the attempts log, events as the
 * events API shows them, and the Standard Webhooks headers of a received request.
 */

/** An endpoint as REST renders it. */
export interface WireEndpoint {
  id: string;
  url: string;
  enabled_events: string[];
  status: 'enabled' | 'disabled';
  disabled_reason: 'failing' | 'gone' | null;
  secret?: string;
}

/** One delivery attempt as REST renders it (the attempts log). */
export interface WireAttempt {
  id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  status: 'pending' | 'succeeded' | 'failed';
  response_status: number | null;
  response_excerpt: string | null;
  duration_ms: number | null;
  error: string | null;
  created_at: string;
  next_attempt_at: string | null;
}

/** An event as the events API renders it. */
export interface WireEvent {
  id: string;
  type: string;
  created_at: string;
  customer_id: string | null;
  sequence: number;
  data: { object: Record<string, unknown>; previous_attributes: Record<string, unknown> | null };
}

/**
 * Creates an endpoint (201 asserted) that is deleted when the current test ends, with its
 * pending deliveries: later tests' events then reach only their own endpoints.
 */
export async function createEndpoint(
  t: TestLedger,
  url: string,
  enabledEvents: string[] = ['*'],
): Promise<WireEndpoint & { secret: string }> {
  const res = await t.rest<WireEndpoint & { secret: string }>('POST', '/ledger/webhook-endpoints', {
    body: { url, enabled_events: enabledEvents },
  });
  expect(res.status, res.text).toBe(201);
  onTestFinished(async () => {
    await t.rest('DELETE', `/ledger/webhook-endpoints/${res.body.id}`);
  });
  return res.body;
}

/** An endpoint as GET shows it now (200 asserted). */
export async function getEndpoint(t: TestLedger, id: string): Promise<WireEndpoint> {
  const res = await t.rest<WireEndpoint>('GET', `/ledger/webhook-endpoints/${id}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** Every attempt of an endpoint (of one event when given), in attempt order. */
export async function attemptsOf(
  t: TestLedger,
  endpointId: string,
  eventId?: string,
): Promise<WireAttempt[]> {
  const query = eventId ? `&event_id=${eventId}` : '';
  const res = await t.rest<WireList<WireAttempt>>(
    'GET',
    `/ledger/webhook-endpoints/${endpointId}/deliveries?limit=100${query}`,
  );
  expect(res.status, res.text).toBe(200);
  expect(res.body.pagination.has_more).toBe(false);
  return res.body.data.slice().sort((a, b) => a.attempt - b.attempt || a.id.localeCompare(b.id));
}

/** The events of `query` (e.g. `type=customer.created&customer_id=…`), newest first. */
export async function listEvents(t: TestLedger, query: string): Promise<WireEvent[]> {
  const res = await t.rest<WireList<WireEvent>>('GET', `/ledger/events?limit=100&${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body.data;
}

/** The one event of `type` about `customerId`. */
export async function eventOf(t: TestLedger, customerId: string, type: string): Promise<WireEvent> {
  const [event, ...more] = await listEvents(t, `type=${type}&customer_id=${customerId}`);
  expect(more).toEqual([]);
  if (!event) throw new Error(`no ${type} event for ${customerId}`);
  return event;
}

/** The Standard Webhooks headers of a received request, as `Webhook.verify` takes them. */
export function signedHeaders(request: Received): Record<string, string> {
  const header = (name: string) => {
    const value = request.headers[name];
    if (typeof value !== 'string') throw new Error(`no single ${name} header`);
    return value;
  };
  return {
    'webhook-id': header('webhook-id'),
    'webhook-timestamp': header('webhook-timestamp'),
    'webhook-signature': header('webhook-signature'),
  };
}

/** Renames a customer over REST (200 asserted): one more event of theirs, next in sequence. */
export async function renameCustomer(t: TestLedger, customerId: string, name: string) {
  const res = await t.rest('PUT', `/ledger/customers/${customerId}`, { body: { name } });
  expect(res.status, res.text).toBe(200);
}

/** The requests about one customer, in arrival order, as `sequence` numbers. */
export function sequencesOf(received: readonly Received[], customerId: string): number[] {
  return received
    .filter((request) => request.event.customer_id === customerId)
    .map((request) => request.event.sequence);
}

/**
 * A receiver starter whose receivers are all closed when the test file ends; call it at the top
 * level of a file. A test's receiver outlives its test, so a late retry still gets an answer.
 */
export function receiverPool(): (answer?: TestReceiver['answer']) => Promise<TestReceiver> {
  const started: TestReceiver[] = [];
  afterAll(async () => {
    await Promise.all(started.map((one) => one.close()));
  });
  return async (answer) => {
    const one = await startReceiver(answer);
    started.push(one);
    return one;
  };
}
