import type {
  CustomerObject,
  InvoiceObject,
  listObject,
  MoneyObject,
  SubscriptionObject,
} from '@ledger/api';
import type { Clock, CustomerId, LedgerEvent, Scope } from '@ledger/domain';
import { expect } from 'vitest';
import type { z } from 'zod';
import type { RestResponse, TestLedger } from './harness.js';

/**
 * What the integration tests share: the two scopes, the REST objects' types, the error checks,
 * a clock the test moves, and the set-up that creates customers, plans, subscriptions and
 * invoices over REST. One copy, so a change to the wire or to a set-up step is made once.
 */

/** A day in milliseconds: trials, periods, due dates and retries are counted in days. */
export const DAY = 86_400_000;

/** Tenant A's scope: the harness's `keyA`, the default key of every call. */
export const scopeA: Scope = { tenantId: 'tenant-a', appId: 'app' };

/** Tenant B's scope: the harness's `keyB`, another scope on the same server. */
export const scopeB: Scope = { tenantId: 'tenant-b', appId: 'app' };

/** A REST object with an id, for tests that read only a few of its fields. */
export type Wire = Record<string, unknown> & { id: string };

/** A customer as REST renders it: the type of the schema responses are parsed with. */
export type WireCustomer = z.infer<typeof CustomerObject>;

/** A money value as REST renders it. */
export type WireMoney = z.infer<typeof MoneyObject>;

/** A subscription as REST renders it. */
export type WireSubscription = z.infer<typeof SubscriptionObject>;

/** An invoice as REST renders it. */
export type WireInvoice = z.infer<typeof InvoiceObject>;

/** An invoice line as REST renders it. */
export type WireLine = WireInvoice['line_items'][number];

/** A list page as REST renders it. */
export interface WireList<T> {
  data: T[];
  pagination: z.infer<ReturnType<typeof listObject>>['pagination'];
}

/** The REST error envelope (REST.md "Errors"): every refusal has exactly these fields. */
export interface ErrorBody {
  error: {
    type: string;
    code: string;
    message: string;
    param: string | null;
    details: Record<string, unknown>;
    request_id: string;
  };
}

/** The `error` of a response body that is the error envelope. */
export function errorOf(body: unknown): ErrorBody['error'] {
  return (body as ErrorBody).error;
}

/**
 * Asserts a refusal by its status and code (and `param` when given) and returns its `error`: for
 * tests about what was refused. `expectEnvelope` checks the envelope itself.
 */
export function expectError(
  res: { status: number; body: unknown; text: string },
  status: number,
  code: string,
  param?: string | null,
): ErrorBody['error'] {
  expect(res.status, res.text).toBe(status);
  const error = errorOf(res.body);
  expect(error.code, res.text).toBe(code);
  if (param !== undefined) expect(error.param, res.text).toBe(param);
  return error;
}

/**
 * Asserts what every error response has, whatever its code: a JSON body whose `error` has exactly
 * the documented fields, the request id of the `X-Request-Id` header, and never a stack trace or
 * a source location. `expectEnvelope` and tests of one kind of refusal build on it.
 */
export function expectEnvelopeFields(res: RestResponse<unknown>): ErrorBody['error'] {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const error = errorOf(res.body);
  expect(Object.keys(error).sort()).toEqual([
    'code',
    'details',
    'message',
    'param',
    'request_id',
    'type',
  ]);
  expect(error.request_id).toBe(res.headers.get('x-request-id'));
  expect(res.text).not.toMatch(/\n\s+at |\.[cm]?[jt]s:\d+/);
  return error;
}

/** REST.md's "Errors" table: the envelope type of each status. */
const TYPE_OF_STATUS: Record<number, string> = {
  400: 'validation',
  401: 'authentication',
  404: 'not_found',
  409: 'conflict',
  413: 'validation',
  429: 'rate_limit',
  500: 'server',
};

/** One documented refusal: what `expectEnvelope` holds a response to. */
export interface ExpectedError {
  status: number;
  code: string;
  param: string | null;
  details?: Record<string, unknown>;
  /** A fragment the message must contain (e.g. the parameter as REST callers write it). */
  message?: string;
}

/**
 * Asserts the exact documented envelope: status, the type of that status, code, param, message,
 * details and request id; `requestId` is the `X-Request-Id` the call sent.
 */
export function expectEnvelope(
  res: RestResponse<ErrorBody>,
  expected: ExpectedError,
  requestId?: string,
): void {
  expect(res.status).toBe(expected.status);
  expect(Object.keys(res.body)).toEqual(['error']);
  const error = expectEnvelopeFields(res);
  expect(error.type).toBe(TYPE_OF_STATUS[expected.status]);
  expect(error.code).toBe(expected.code);
  expect(error.param).toBe(expected.param);
  expect(typeof error.message).toBe('string');
  expect(error.message.length).toBeGreaterThan(0);
  if (expected.message !== undefined) expect(error.message).toContain(expected.message);
  if (expected.details !== undefined) expect(error.details).toEqual(expected.details);
  else expect(error.details !== null && !Array.isArray(error.details)).toBe(true);
  expect(typeof error.details).toBe('object');
  if (requestId !== undefined) expect(error.request_id).toBe(requestId);
  else expect(error.request_id).toMatch(/^req_/);
}

/**
 * A clock that stands still until the test moves it: pass `clock` to the server, read `now`, and
 * `set` or `advance` it. Billing, trials and retries depend on time; a moved clock makes them
 * happen when the test says.
 */
export function manualClock(start: string) {
  let now = new Date(start);
  const clock: Clock = { now: () => new Date(now.getTime()) };
  return {
    clock,
    get now() {
      return new Date(now.getTime());
    },
    set(date: Date | string) {
      now = new Date(date);
    },
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

/**
 * Creates a customer over REST (as `key`'s tenant; A by default) and returns it (201 asserted).
 * `name` defaults to the email and `currency` to USD.
 */
export async function createCustomer<T extends { id: string } = Wire>(
  t: TestLedger,
  body: Record<string, unknown>,
  key?: string,
): Promise<T> {
  const res = await t.rest<T>('POST', '/ledger/customers', {
    body: { name: String(body.email), currency: 'USD', ...body },
    ...(key ? { key } : {}),
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/**
 * Creates a plan over REST and returns it (201 asserted). `name` defaults to the slug; a USD plan
 * of no features that costs nothing monthly unless `body` says otherwise.
 */
export async function createPlan(
  t: TestLedger,
  body: Record<string, unknown>,
  key?: string,
): Promise<Wire> {
  const res = await t.rest<Wire>('POST', '/ledger/plans', {
    body: {
      name: String(body.slug),
      currency: 'USD',
      features: [],
      pricing: { base_amount: 0, billing_period: 'monthly' },
      ...body,
    },
    ...(key ? { key } : {}),
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Creates a plan billed monthly at `baseAmount` (minor units) with no tiers: `createPlan`'s rest. */
export function monthlyPlan(
  t: TestLedger,
  slug: string,
  baseAmount: number,
  body: Record<string, unknown> = {},
  key?: string,
): Promise<Wire> {
  return createPlan(
    t,
    { slug, pricing: { base_amount: baseAmount, billing_period: 'monthly' }, ...body },
    key,
  );
}

/** Subscribes a customer over REST and returns the subscription (201 asserted). */
export async function subscribe(
  t: TestLedger,
  customerId: string,
  planId: string,
  extra: Record<string, unknown> = {},
  key?: string,
): Promise<WireSubscription> {
  const res = await t.rest<WireSubscription>('POST', '/ledger/subscriptions', {
    body: { customer_id: customerId, plan_id: planId, ...extra },
    ...(key ? { key } : {}),
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Invoices a subscription's current period over REST: the draft (201 asserted). */
export async function createInvoice(
  t: TestLedger,
  subscriptionId: string,
  key?: string,
): Promise<WireInvoice> {
  const res = await t.rest<WireInvoice>('POST', '/ledger/invoices', {
    body: { subscription_id: subscriptionId },
    ...(key ? { key } : {}),
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** A customer's invoices over REST, newest first (200 asserted). */
export async function invoicesOf(t: TestLedger, customerId: string): Promise<WireInvoice[]> {
  const res = await getRetrying<WireList<WireInvoice>>(
    t,
    `/ledger/customers/${customerId}/invoices`,
  );
  expect(res.status, res.text).toBe(200);
  return res.body.data;
}

/** A customer's balance over REST, in minor units (negative: credit the customer holds). */
export async function balanceOf(t: TestLedger, customerId: string): Promise<number> {
  return (await getRetrying<{ balance: { amount: number } }>(t, `/ledger/customers/${customerId}`))
    .body.balance.amount;
}

/** The events stored for a customer of `scope` (A by default), oldest first. */
export function eventsOf(
  t: TestLedger,
  customerId: string,
  scope: Scope = scopeA,
): Promise<LedgerEvent[]> {
  return t.server.ledger.deps.store.listEvents(scope, {
    customerId: customerId as CustomerId,
    limit: 500,
  });
}

/**
 * Runs `open`, a transaction of any client that calls `hold` once it holds what it locked, and
 * resolves once it does (or has ended without); the returned function lets it commit and resolves
 * once it has. For tests of what a request does while another transaction holds a lock: only on
 * PostgreSQL, since PGlite runs one transaction at a time.
 */
export async function holdOpen(
  open: (hold: () => Promise<void>) => Promise<unknown>,
): Promise<() => Promise<void>> {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let onHeld = () => {};
  const held = new Promise<void>((resolve) => {
    onHeld = resolve;
  });
  const done = open(() => {
    onHeld();
    return released;
  });
  await Promise.race([held, done]);
  return async () => {
    release();
    await done;
  };
}

/**
 * Opens a transaction beside the server's, runs `statements` in it (a `select … for update`, an
 * update) and holds it open (see {@link holdOpen}).
 */
export function holdTransaction(
  t: TestLedger,
  ...statements: string[]
): Promise<() => Promise<void>> {
  return holdOpen((hold) =>
    t.server.ledger.database.db.transaction(async (tx) => {
      for (const statement of statements) await tx.execute(statement);
      await hold();
    }),
  );
}

/** The rows of a raw query on either driver (postgres.js returns rows, PGlite `{rows}`). */
export function rowsOf(result: unknown): Array<Record<string, unknown>> {
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<
    Record<string, unknown>
  >;
}

/** `count(*)` of a raw query on either driver: the first column of the first row. */
export function firstCount(result: unknown): number {
  const row = rowsOf(result)[0];
  return Number(row ? Object.values(row)[0] : Number.NaN);
}

/**
 * A GET retried while it answers 503 (as a client retries `database_unavailable`): right after a
 * database fault, a pooled connection that was dropped fails once before the pool replaces it.
 */
export async function getRetrying<T>(t: TestLedger, path: string): Promise<RestResponse<T>> {
  for (let attempt = 0; ; attempt++) {
    const res = await t.rest<T>('GET', path);
    if (res.status !== 503 || attempt >= 50) return res;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The key that seals test servers' webhook secrets (every process of a test shares it). */
export const TEST_SECRET_KEY = 'test-only-key-sealing-webhook-secrets-0123456789';
