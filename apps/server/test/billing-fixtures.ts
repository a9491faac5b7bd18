import { expect } from 'vitest';
import type { TestLedger } from './harness.js';

/** A REST object with an id. */
export type Wire = Record<string, unknown> & { id: string };

/** The REST error envelope. */
export interface ErrorBody {
  error: { code: string; type: string; param: string | null; message: string };
}

/** A money value as REST renders it. */
export interface WireMoney {
  amount: number;
  currency: string;
  display: string;
}

/** A subscription as REST renders it. */
export interface WireSubscription {
  id: string;
  customer_id: string;
  plan_id: string;
  status: string;
  current_period_start: string;
  current_period_end: string;
  trial_start: string | null;
  trial_end: string | null;
  cancel_at: string | null;
  canceled_at: string | null;
  ended_at: string | null;
  paused_at: string | null;
  metadata: Record<string, unknown>;
}

/** An invoice line as REST renders it. */
export interface WireLine {
  id: string;
  kind: 'base' | 'usage' | 'proration';
  description: string;
  feature_key: string | null;
  quantity: number;
  amount: WireMoney;
  period_start: string;
  period_end: string;
}

/** An invoice as REST renders it. */
export interface WireInvoice {
  id: string;
  number: string | null;
  customer_id: string;
  subscription_id: string | null;
  status: string;
  currency: string;
  line_items: WireLine[];
  subtotal: WireMoney;
  tax: {
    amount: WireMoney;
    rate: string;
    jurisdiction: string;
    exempt: boolean;
    reason: string;
  };
  credit_applied: WireMoney;
  total: WireMoney;
  amount_due: WireMoney;
  amount_paid: WireMoney;
  fx: { from: string; rate: string; source: string; as_of: string } | null;
  period_start: string;
  period_end: string;
  due_date: string | null;
  paid_at: string | null;
  voided_at: string | null;
  collection_note: string | null;
}

/** A list page as REST renders it. */
export interface WireList<T> {
  data: T[];
  pagination: {
    total: number;
    limit: number;
    offset: number;
    has_more: boolean;
    next_cursor: string | null;
  };
}

/** A clock the test moves by hand. */
export function manualClock(start: string) {
  let now = new Date(start);
  return {
    clock: { now: () => new Date(now.getTime()) },
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

/** Creates a customer over REST and returns it (201 asserted). */
export async function createCustomer(
  t: TestLedger,
  body: Record<string, unknown>,
  key?: string,
): Promise<Wire> {
  const res = await t.rest<Wire>('POST', '/ledger/customers', {
    body: { name: String(body.email), currency: 'USD', ...body },
    ...(key ? { key } : {}),
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Creates a plan over REST and returns it (201 asserted). */
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

/** Subscribes a customer over REST and returns the subscription (201 asserted). */
export async function subscribe(
  t: TestLedger,
  customerId: string,
  planId: string,
  extra: Record<string, unknown> = {},
): Promise<WireSubscription> {
  const res = await t.rest<WireSubscription>('POST', '/ledger/subscriptions', {
    body: { customer_id: customerId, plan_id: planId, ...extra },
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Asserts an error response and returns its `error`. */
export function expectError(
  res: { status: number; body: unknown; text: string },
  status: number,
  code: string,
  param?: string | null,
): ErrorBody['error'] {
  expect(res.status, res.text).toBe(status);
  const error = (res.body as ErrorBody).error;
  expect(error.code, res.text).toBe(code);
  if (param !== undefined) expect(error.param, res.text).toBe(param);
  return error;
}

/** `count(*)` of a raw query on either driver (postgres.js returns rows, PGlite `{rows}`). */
export function firstCount(result: unknown): number {
  const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
  const row = rows[0] as Record<string, unknown> | undefined;
  return Number(row ? Object.values(row)[0] : Number.NaN);
}
