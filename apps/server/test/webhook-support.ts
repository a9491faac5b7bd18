import type { IncomingHttpHeaders } from 'node:http';
import type { LedgerErrorData } from '@ledger/api';
import { ledgerErrorOf, TRPCClientError } from '@ledger/client';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import type { TestLedger } from './harness.js';
import type { Received } from './receivers.js';
import { firstCount, rowsOf } from './support.js';

/**
 * What the webhook endpoint tests share: creating an endpoint over REST, counting rows of the
 * webhook tables, verifying a delivery with an implementation nobody here wrote, and polling
 * for what the delivery worker does in the background.
 */

/** A signing secret as Ledger shows it: `whsec_` + base64 of 32 bytes (44 characters, one `=`). */
export const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{43}=$/;

/** An endpoint as REST renders it, with the secret of the create and rotate answers. */
export interface WireEndpoint {
  id: string;
  url: string;
  enabled_events: string[];
  status: 'enabled' | 'disabled';
  disabled_reason: 'failing' | 'gone' | null;
  description: string | null;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
  secret?: string;
}

/** One attempt of the attempts log as REST renders it. */
export interface WireDelivery {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  status: 'pending' | 'succeeded' | 'failed';
  response_status: number | null;
  next_attempt_at: string | null;
}

/** The public fields of an endpoint, in the order of the documented shape (no secret). */
export const ENDPOINT_FIELDS = [
  'created_at',
  'description',
  'disabled_reason',
  'enabled_events',
  'id',
  'metadata',
  'status',
  'updated_at',
  'url',
];

/**
 * Creates an endpoint over REST as `key`'s tenant (A by default), asserting 201 and a secret of
 * the documented form, and returns it with that secret.
 */
export async function createEndpoint(
  t: TestLedger,
  body: Record<string, unknown>,
  key?: string,
): Promise<WireEndpoint & { secret: string }> {
  const res = await t.rest<WireEndpoint>('POST', '/ledger/webhook-endpoints', {
    body,
    ...(key ? { key } : {}),
  });
  expect(res.status, res.text).toBe(201);
  const { secret } = res.body;
  expect(secret).toMatch(SECRET_PATTERN);
  return { ...res.body, secret: secret as string };
}

/** `count(*)` of a query on the test server's database. */
export async function countOf(t: TestLedger, query: string): Promise<number> {
  return firstCount(await t.database.db.execute(query));
}

/** The delivery rows (every attempt) of one event, straight from the database. */
export async function deliveryRowsOf(t: TestLedger, eventId: string) {
  const result = await t.database.db.execute(
    `select endpoint_id, status, attempt from webhook_deliveries where event_id = '${eventId}'`,
  );
  return rowsOf(result).map((row) => ({
    endpointId: String(row.endpoint_id),
    status: String(row.status),
    attempt: Number(row.attempt),
  }));
}

/** The three Standard Webhooks headers of a received request. */
export function webhookHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return {
    'webhook-id': String(headers['webhook-id']),
    'webhook-timestamp': String(headers['webhook-timestamp']),
    'webhook-signature': String(headers['webhook-signature']),
  };
}

/** True when the standardwebhooks library verifies `received` with `secret`. */
export function verifiesWith(received: Received, secret: string): boolean {
  try {
    new Webhook(secret).verify(received.body, webhookHeaders(received.headers));
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls `read` until `done` holds of its value (or fails after `timeoutMs`): for what the
 * delivery worker does after a request has been answered.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The Ledger error of a tRPC call that must be refused. */
export async function trpcFailure(call: Promise<unknown>): Promise<LedgerErrorData | null> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return ledgerErrorOf(error);
}
