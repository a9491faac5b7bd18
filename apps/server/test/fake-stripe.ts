import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_CARDS } from '@ledger/domain';
import Stripe from 'stripe';

/**
 * A small Stripe for tests: the real SDK is pointed at it (`STRIPE_API_BASE`) and it answers the
 * endpoints Ledger's adapter calls the way Stripe does — form-encoded requests, JSON objects with
 * `object`/`id`, `card_error` 402s for declines, `Idempotency-Key` replays — with Stripe's test
 * tokens mapped to the same cards as the built-in test processor. Faults (5xx, slow answers) can
 * be injected for the next requests, charges can be answered late, PaymentIntents can be left
 * `processing` and settled later, charges can be refunded (in full, as Ledger refunds), and every
 * request is logged.
 */

/** A form body decoded into nested objects (`card[token]` → `{card: {token}}`). */
export type FormValue = string | { [key: string]: FormValue };
type Form = { [key: string]: FormValue };

export interface StripeCard {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  country: string | null;
  funding: 'credit';
  fingerprint: string;
}

export interface StripeCustomer {
  id: string;
  object: 'customer';
  name: string | null;
  email: string | null;
  metadata: Record<string, string>;
  created: number;
  livemode: false;
}

export interface StripePaymentMethod {
  id: string;
  object: 'payment_method';
  type: 'card';
  card: StripeCard;
  customer: string | null;
  billing_details: { address: null; email: null; name: null; phone: null };
  metadata: Record<string, string>;
  created: number;
  livemode: false;
}

export interface StripePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  payment_method: string;
  status: 'succeeded' | 'requires_payment_method' | 'processing';
  capture_method: 'automatic';
  confirmation_method: 'automatic';
  latest_charge: string | null;
  last_payment_error: StripeErrorBody | null;
  metadata: Record<string, string>;
  created: number;
  livemode: false;
}

export interface StripeRefund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  charge: string | null;
  status: 'succeeded';
  metadata: Record<string, string>;
  created: number;
}

export interface StripeSetupIntent {
  id: string;
  object: 'setup_intent';
  client_secret: string;
  customer: string | null;
  payment_method: string | null;
  status: 'requires_payment_method' | 'succeeded';
  usage: string;
  last_setup_error: StripeErrorBody | null;
  metadata: Record<string, string>;
  created: number;
  livemode: false;
}

export interface StripeErrorBody {
  type: string;
  code?: string;
  decline_code?: string;
  message: string;
  param?: string;
  payment_intent?: StripePaymentIntent;
  payment_method?: StripePaymentMethod;
}

/** One request as the fake saw it. */
export interface FakeRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  params: Form;
  status: number;
  /** Answered from the idempotency store. */
  replayed: boolean;
  /** Answered by an injected fault (nothing was executed). */
  injected: boolean;
}

export interface FakeStripe {
  /** `http://127.0.0.1:PORT`, for `STRIPE_API_BASE`. */
  url: string;
  /**
   * The next `count` requests answer `status` before doing anything (an outage at Stripe);
   * `fail(0)` ends an outage early, dropping the failures not yet answered.
   */
  fail(count: number, status?: number): void;
  /** The next `count` answers are held back `ms` (each request is still executed at once). */
  delay(ms: number, count?: number): void;
  /**
   * From now on every PaymentIntent creation is answered `ms` late (0: at once), the card being
   * charged at once: a slow Stripe, where the money is taken long before Ledger hears of it.
   */
  chargeLatency(ms: number): void;
  /**
   * The next answer is held back until the returned function is called (the request is still
   * executed at once): a charge made at Stripe that Ledger hears of only when the test says.
   */
  holdNext(): () => void;
  /**
   * The next `count` PaymentIntents that would charge come back `processing` (200, nothing
   * charged yet), as a payment the bank has not confirmed does; `settle` decides them later.
   */
  processNext(count?: number): void;
  /**
   * Settles a `processing` PaymentIntent: `succeeded` charges it, `failed` declines it. A
   * replay of the request that created it still answers `processing` (Stripe replays the
   * first answer); reading the intent (`GET /v1/payment_intents/:id`) shows the new state.
   */
  settle(intentId: string, outcome?: 'succeeded' | 'failed'): StripePaymentIntent;
  /**
   * What Stripe.js does in the customer's browser with a SetupIntent's client secret: the card of
   * `token` is collected and attached to the intent's customer and the intent `succeeded`; a card
   * refused at attach time leaves it `requires_payment_method` with the decline as its error.
   */
  confirmSetupIntent(id: string, token: string): StripeSetupIntent;
  setupIntent(id: string): StripeSetupIntent | undefined;
  readonly requests: readonly FakeRequest[];
  readonly counters: {
    customersCreated: number;
    paymentMethodsCreated: number;
    intentsCreated: number;
    /** Distinct successful charges (a replayed answer charges nothing). */
    charges: number;
    /** Distinct refunds made (a replayed answer refunds nothing). */
    refunds: number;
  };
  /** Every refund, in creation order. */
  refunds(): StripeRefund[];
  /** What Stripe took for a Ledger invoice and still holds: received less refunded. */
  heldFor(ledgerInvoiceId: string): number;
  /** Stripe customers created for one Ledger customer (from their metadata). */
  customersFor(ledgerCustomerId: string): StripeCustomer[];
  paymentMethod(id: string): StripePaymentMethod | undefined;
  /** Every PaymentIntent, in creation order. */
  intents(): StripePaymentIntent[];
  /** The PaymentIntent that a request with `idempotencyKey` created. */
  intentForKey(idempotencyKey: string): StripePaymentIntent | undefined;
  /** Idempotency keys whose request charged a card, with the PaymentIntent charged. */
  readonly chargesByKey: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

/** A Stripe event envelope around `object`, as Stripe posts it to a webhook endpoint. */
export function stripeEvent(type: string, object: unknown, id = stripeId('evt')): string {
  return JSON.stringify({
    id,
    object: 'event',
    api_version: '2025-01-01',
    created: Math.floor(Date.now() / 1000),
    type,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  });
}

/** A `Stripe-Signature` header for `payload`, signed with the SDK's own test helper. */
export function signStripePayload(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestamp === undefined ? {} : { timestamp }),
  });
}

function stripeId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

const now = () => Math.floor(Date.now() / 1000);

/** Decodes a form body the way Stripe reads it: `a[b][c]=v` nests. */
export function parseForm(body: string): Form {
  const out: Form = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let node: Form = out;
    for (const [i, part] of path.entries()) {
      if (i === path.length - 1) {
        node[part] = value;
      } else {
        const next = node[part];
        const child: Form = typeof next === 'object' ? next : {};
        node[part] = child;
        node = child;
      }
    }
  }
  return out;
}

function text(form: Form, key: string): string | undefined {
  const value = form[key];
  return typeof value === 'string' ? value : undefined;
}

function record(form: Form, key: string): Record<string, string> {
  const value = form[key];
  if (typeof value !== 'object') return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

/** A stable form of the parameters, to tell "same key, same request" from a reused key. */
function fingerprint(method: string, path: string, params: Form): string {
  const sorted = (value: FormValue): unknown =>
    typeof value === 'string'
      ? value
      : Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, sorted(value[key] as FormValue)]),
        );
  return `${method} ${path} ${JSON.stringify(sorted(params))}`;
}

/** The test token behind a token or `pm_card_*` id, as the built-in test processor reads it. */
function testCardOf(token: string) {
  const key = token.startsWith('pm_card_') ? `tok_${token.slice('pm_card_'.length)}` : token;
  return TEST_CARDS[key] ? { key, card: TEST_CARDS[key] } : undefined;
}

/** Stripe's `decline_code` for an outcome: a plain decline is `generic_decline` at Stripe. */
function stripeDecline(code: string): string {
  return code === 'card_declined' ? 'generic_decline' : code;
}

interface Answer {
  status: number;
  body: unknown;
}

const invalid = (
  message: string,
  param?: string,
  code: string | null = 'resource_missing',
): Answer => ({
  status: code === 'resource_missing' ? 404 : 400,
  body: {
    error: {
      type: 'invalid_request_error',
      ...(code ? { code } : {}),
      message,
      ...(param ? { param } : {}),
    },
  },
});

/** Stripe's smallest charge, in its minor units, for the currencies the tests use. */
const MINIMUM_CHARGE: Readonly<Record<string, { amount: number; shown: string }>> = {
  usd: { amount: 50, shown: '$0.50' },
  eur: { amount: 50, shown: '€0.50' },
  gbp: { amount: 30, shown: '£0.30' },
  jpy: { amount: 50, shown: '¥50' },
};

/** Three-decimal currencies: Stripe wants the last digit 0. */
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);
/** Zero-decimal currencies Stripe takes as two-decimal, with the decimals always 00. */
const WHOLE_TWO_DECIMAL = new Set(['isk', 'ugx']);

/** Stripe's refusals of an amount it cannot charge in `currency` (null: it can). */
function amountRefusal(amount: number, currency: string): Answer | null {
  const minimum = MINIMUM_CHARGE[currency];
  if (minimum && amount < minimum.amount) {
    return invalid(
      `Amount must be at least ${minimum.shown} ${currency}`,
      'amount',
      'amount_too_small',
    );
  }
  // Stripe's wording and code for these two are not the fake's to know: it sends no code.
  if (THREE_DECIMAL.has(currency) && amount % 10 !== 0)
    return invalid(`Amounts in ${currency} must end in 0`, 'amount', null);
  if (WHOLE_TWO_DECIMAL.has(currency) && amount % 100 !== 0)
    return invalid(`Amounts in ${currency} cannot have fractions`, 'amount', null);
  return null;
}

/** Starts the fake on 127.0.0.1 (a free port). */
export async function startFakeStripe(): Promise<FakeStripe> {
  const customers = new Map<string, StripeCustomer>();
  const methods = new Map<string, StripePaymentMethod>();
  /** Which test token each payment method came from, to decide its outcomes. */
  const tokenOf = new Map<string, string>();
  const intents = new Map<string, StripePaymentIntent>();
  const setupIntents = new Map<string, StripeSetupIntent>();
  const intentByKey = new Map<string, string>();
  const chargesByKey = new Map<string, string>();
  /** The idempotency key each PaymentIntent was created under. */
  const keyOfIntent = new Map<string, string>();
  const idempotent = new Map<string, { fingerprint: string; answer: Answer }>();
  const requests: FakeRequest[] = [];
  const refunds: StripeRefund[] = [];
  const counters = {
    customersCreated: 0,
    paymentMethodsCreated: 0,
    intentsCreated: 0,
    charges: 0,
    refunds: 0,
  };
  const refundedOf = (intentId: string) =>
    refunds.filter((r) => r.payment_intent === intentId).reduce((sum, r) => sum + r.amount, 0);
  const faults: number[] = [];
  const delays: number[] = [];
  const holds: Array<Promise<void>> = [];
  let chargeLatencyMs = 0;
  let processing = 0;

  function newMethod(token: string): StripePaymentMethod | null {
    const test = testCardOf(token);
    if (!test) return null;
    const { card } = test.card;
    const method: StripePaymentMethod = {
      id: stripeId('pm'),
      object: 'payment_method',
      type: 'card',
      card: {
        brand: card.brand,
        last4: card.last4,
        exp_month: card.expMonth,
        exp_year: card.expYear,
        country: card.country,
        funding: 'credit',
        fingerprint: test.key,
      },
      customer: null,
      billing_details: { address: null, email: null, name: null, phone: null },
      metadata: {},
      created: now(),
      livemode: false,
    };
    methods.set(method.id, method);
    tokenOf.set(method.id, test.key);
    counters.paymentMethodsCreated++;
    return method;
  }

  function cardError(
    outcome: { code: string; message: string },
    extra: Partial<StripeErrorBody>,
  ): StripeErrorBody {
    return {
      type: 'card_error',
      code:
        outcome.code === 'expired_card' || outcome.code === 'incorrect_cvc'
          ? outcome.code
          : 'card_declined',
      decline_code: stripeDecline(outcome.code),
      message: outcome.message,
      param: '',
      ...extra,
    };
  }

  function createIntent(params: Form, idempotencyKey: string | null): Answer {
    const amount = Number(text(params, 'amount'));
    const currency = text(params, 'currency');
    const methodId = text(params, 'payment_method');
    const customer = text(params, 'customer') ?? null;
    if (!Number.isInteger(amount) || amount < 1)
      return invalid('Invalid integer: amount', 'amount', 'parameter_invalid_integer');
    if (!currency)
      return invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    const refusal = amountRefusal(amount, currency);
    if (refusal) return refusal;
    const method = methodId ? methods.get(methodId) : undefined;
    if (!methodId || !method)
      return invalid(`No such PaymentMethod: '${methodId}'`, 'payment_method');
    if (customer && method.customer !== customer) {
      return invalid(
        `The provided PaymentMethod ${methodId} does not belong to Customer ${customer}.`,
        'payment_method',
        'payment_method_invalid_parameter',
      );
    }
    if (text(params, 'confirm') !== 'true' || text(params, 'off_session') !== 'true')
      return invalid('The fake only confirms off-session intents', 'confirm', 'parameter_invalid');
    const outcome = TEST_CARDS[tokenOf.get(method.id) ?? '']?.chargeError;
    const pending = !outcome && processing > 0;
    if (pending) processing--;
    const intent: StripePaymentIntent = {
      id: stripeId('pi'),
      object: 'payment_intent',
      amount,
      amount_received: outcome || pending ? 0 : amount,
      currency,
      customer,
      payment_method: method.id,
      status: outcome ? 'requires_payment_method' : pending ? 'processing' : 'succeeded',
      capture_method: 'automatic',
      confirmation_method: 'automatic',
      latest_charge: stripeId('ch'),
      last_payment_error: null,
      metadata: record(params, 'metadata'),
      created: now(),
      livemode: false,
    };
    intents.set(intent.id, intent);
    counters.intentsCreated++;
    if (idempotencyKey) {
      intentByKey.set(idempotencyKey, intent.id);
      keyOfIntent.set(intent.id, idempotencyKey);
    }
    if (pending) return { status: 200, body: intent };
    if (outcome) {
      intent.last_payment_error = cardError(outcome, { payment_method: method });
      return {
        status: 402,
        body: { error: cardError(outcome, { payment_intent: intent, payment_method: method }) },
      };
    }
    counters.charges++;
    if (idempotencyKey) chargesByKey.set(idempotencyKey, intent.id);
    return { status: 200, body: intent };
  }

  /** A full refund of a PaymentIntent's charge, refused as Stripe does when nothing is left. */
  function createRefund(params: Form): Answer {
    const intentId = text(params, 'payment_intent');
    const intent = intentId ? intents.get(intentId) : undefined;
    if (!intentId || !intent)
      return invalid(`No such payment_intent: '${intentId}'`, 'payment_intent');
    if (intent.status !== 'succeeded') {
      return invalid(
        `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
        'payment_intent',
        'charge_not_refundable',
      );
    }
    const left = intent.amount_received - refundedOf(intent.id);
    if (left <= 0) {
      return invalid(
        `Charge ${intent.latest_charge} has already been refunded.`,
        undefined,
        'charge_already_refunded',
      );
    }
    const refund: StripeRefund = {
      id: stripeId('re'),
      object: 'refund',
      amount: left,
      currency: intent.currency,
      payment_intent: intent.id,
      charge: intent.latest_charge,
      status: 'succeeded',
      metadata: record(params, 'metadata'),
      created: now(),
    };
    refunds.push(refund);
    counters.refunds++;
    return { status: 200, body: refund };
  }

  /** Executes one authenticated request against the fake's state. */
  function execute(method: string, path: string, params: Form, key: string | null): Answer {
    const parts = path.split('/').filter(Boolean);
    if (method === 'POST' && path === '/v1/customers') {
      const customer: StripeCustomer = {
        id: stripeId('cus'),
        object: 'customer',
        name: text(params, 'name') ?? null,
        email: text(params, 'email') ?? null,
        metadata: record(params, 'metadata'),
        created: now(),
        livemode: false,
      };
      customers.set(customer.id, customer);
      counters.customersCreated++;
      return { status: 200, body: customer };
    }
    if (method === 'DELETE' && parts[0] === 'v1' && parts[1] === 'customers' && parts[2]) {
      const id = parts[2];
      if (!customers.delete(id))
        return invalid(`No such customer: '${id}'`, 'id', 'resource_missing');
      // Deleting a customer detaches its payment methods, as at Stripe.
      for (const found of methods.values()) if (found.customer === id) found.customer = null;
      return { status: 200, body: { id, object: 'customer', deleted: true } };
    }
    if (method === 'POST' && path === '/v1/payment_methods') {
      const card = params.card;
      const token = typeof card === 'object' ? text(card, 'token') : undefined;
      if (text(params, 'type') !== 'card')
        return invalid('Only type=card', 'type', 'parameter_invalid');
      const created = token ? newMethod(token) : null;
      if (!created) return invalid(`No such token: '${token}'`, 'card[token]');
      return { status: 200, body: created };
    }
    if (parts[0] === 'v1' && parts[1] === 'payment_methods' && parts[2]) {
      const id = parts[2];
      if (method === 'GET' && parts.length === 3) {
        // `pm_card_visa` and friends stand for a fresh card of that kind, as at Stripe.
        const found = methods.get(id) ?? (id.startsWith('pm_card_') ? newMethod(id) : null);
        return found
          ? { status: 200, body: found }
          : invalid(`No such PaymentMethod: '${id}'`, 'id');
      }
      const found = methods.get(id);
      if (!found) return invalid(`No such PaymentMethod: '${id}'`, 'payment_method');
      if (method === 'POST' && parts[3] === 'attach') {
        const customer = text(params, 'customer');
        if (!customer || !customers.has(customer))
          return invalid(`No such customer: '${customer}'`, 'customer');
        if (found.customer && found.customer !== customer) {
          return invalid(
            'This PaymentMethod is already attached to another customer.',
            undefined,
            'payment_method_unexpected_state',
          );
        }
        const refusal = TEST_CARDS[tokenOf.get(id) ?? '']?.attachError;
        if (refusal)
          return { status: 402, body: { error: cardError(refusal, { payment_method: found }) } };
        found.customer = customer;
        return { status: 200, body: found };
      }
      if (method === 'POST' && parts[3] === 'detach') {
        if (!found.customer) {
          return invalid(
            'The payment method you provided is not attached to a customer so detachment is impossible.',
            undefined,
            'payment_method_unexpected_state',
          );
        }
        found.customer = null;
        return { status: 200, body: found };
      }
    }
    if (method === 'POST' && path === '/v1/setup_intents') {
      const customer = text(params, 'customer') ?? null;
      if (customer && !customers.has(customer))
        return invalid(`No such customer: '${customer}'`, 'customer');
      const id = stripeId('seti');
      const intent: StripeSetupIntent = {
        id,
        object: 'setup_intent',
        client_secret: `${id}_secret_${randomBytes(12).toString('hex')}`,
        customer,
        payment_method: null,
        status: 'requires_payment_method',
        usage: text(params, 'usage') ?? 'off_session',
        last_setup_error: null,
        metadata: record(params, 'metadata'),
        created: now(),
        livemode: false,
      };
      setupIntents.set(id, intent);
      return { status: 200, body: intent };
    }
    if (method === 'GET' && parts[1] === 'setup_intents' && parts[2] && parts.length === 3) {
      const found = setupIntents.get(parts[2]);
      return found
        ? { status: 200, body: found }
        : invalid(`No such setupintent: '${parts[2]}'`, 'intent');
    }
    if (method === 'POST' && path === '/v1/payment_intents') return createIntent(params, key);
    if (method === 'POST' && path === '/v1/refunds') return createRefund(params);
    if (method === 'GET' && parts[1] === 'payment_intents' && parts[2] && parts.length === 3) {
      const found = intents.get(parts[2]);
      return found
        ? { status: 200, body: found }
        : invalid(`No such payment_intent: '${parts[2]}'`, 'intent');
    }
    return invalid(`Unrecognized request URL (${method}: ${path}).`, undefined, 'resource_missing');
  }

  function answer(request: IncomingMessage, raw: string): Answer & { replayed: boolean } {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://stripe.test');
    const params = method === 'GET' ? parseForm(url.search.slice(1)) : parseForm(raw);
    const key = (request.headers['idempotency-key'] as string | undefined) ?? null;
    if (!/^Bearer sk_test_\w+$/.test(request.headers.authorization ?? '')) {
      return {
        status: 401,
        body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } },
        replayed: false,
      };
    }
    if (method === 'POST' && key) {
      const print = fingerprint(method, url.pathname, params);
      const stored = idempotent.get(key);
      if (stored) {
        if (stored.fingerprint === print) return { ...stored.answer, replayed: true };
        const message =
          'Keys for idempotent requests can only be used with the same parameters they were first used with.';
        return {
          status: 400,
          body: { error: { type: 'idempotency_error', message } },
          replayed: false,
        };
      }
      const fresh = execute(method, url.pathname, params, key);
      // A replay answers what the first request answered, not the object's state today.
      idempotent.set(key, { fingerprint: print, answer: structuredClone(fresh) });
      return { ...fresh, replayed: false };
    }
    return { ...execute(method, url.pathname, params, key), replayed: false };
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://stripe.test');
    const method = request.method ?? 'GET';
    const key = (request.headers['idempotency-key'] as string | undefined) ?? null;
    const fault = faults.shift();
    const result =
      fault !== undefined
        ? {
            status: fault,
            body: { error: { type: 'api_error', message: 'Something went wrong on our end.' } },
            replayed: false,
          }
        : answer(request, raw);
    requests.push({
      method,
      path: url.pathname,
      idempotencyKey: key,
      params: method === 'GET' ? parseForm(url.search.slice(1)) : parseForm(raw),
      status: result.status,
      replayed: result.replayed,
      injected: fault !== undefined,
    });
    const charging = method === 'POST' && url.pathname === '/v1/payment_intents';
    const wait = delays.shift() ?? (charging ? chargeLatencyMs : 0);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const held = holds.shift();
    if (held) await held;
    if (response.destroyed || response.writableEnded) return;
    response.writeHead(result.status, {
      'Content-Type': 'application/json',
      'Request-Id': stripeId('req'),
      ...(result.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
      ...(key ? { 'Idempotency-Key': key } : {}),
    });
    response.end(JSON.stringify(result.body));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    fail(count, status = 500) {
      if (count === 0) faults.length = 0;
      for (let i = 0; i < count; i++) faults.push(status);
    },
    delay(ms, count = 1) {
      for (let i = 0; i < count; i++) delays.push(ms);
    },
    chargeLatency(ms) {
      chargeLatencyMs = ms;
    },
    holdNext() {
      let release = () => {};
      holds.push(
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      );
      return release;
    },
    processNext(count = 1) {
      processing += count;
    },
    settle(intentId, outcome = 'succeeded') {
      const intent = intents.get(intentId);
      if (intent?.status !== 'processing') throw new Error(`${intentId} is not processing`);
      if (outcome === 'succeeded') {
        intent.status = 'succeeded';
        intent.amount_received = intent.amount;
        counters.charges++;
        const key = keyOfIntent.get(intent.id);
        if (key) chargesByKey.set(key, intent.id);
      } else {
        intent.status = 'requires_payment_method';
        intent.last_payment_error = cardError(
          { code: 'card_declined', message: 'Your card was declined.' },
          { payment_method: methods.get(intent.payment_method) },
        );
      }
      return intent;
    },
    confirmSetupIntent(id, token) {
      const intent = setupIntents.get(id);
      if (!intent) throw new Error(`no setup intent ${id}`);
      const method = newMethod(token);
      if (!method) throw new Error(`no test card for ${token}`);
      const refusal = TEST_CARDS[tokenOf.get(method.id) ?? '']?.attachError;
      if (refusal) {
        intent.last_setup_error = cardError(refusal, { payment_method: method });
        return intent;
      }
      method.customer = intent.customer;
      intent.payment_method = method.id;
      intent.status = 'succeeded';
      intent.last_setup_error = null;
      return intent;
    },
    setupIntent: (id) => setupIntents.get(id),
    requests,
    counters,
    customersFor: (ledgerCustomerId) =>
      [...customers.values()].filter(
        (customer) => customer.metadata.ledger_customer_id === ledgerCustomerId,
      ),
    paymentMethod: (id) => methods.get(id),
    intents: () => [...intents.values()],
    refunds: () => [...refunds],
    heldFor: (ledgerInvoiceId) =>
      [...intents.values()]
        .filter((intent) => intent.metadata.ledger_invoice_id === ledgerInvoiceId)
        .reduce((sum, intent) => sum + intent.amount_received - refundedOf(intent.id), 0),
    intentForKey(idempotencyKey) {
      const id = intentByKey.get(idempotencyKey);
      return id ? intents.get(id) : undefined;
    },
    chargesByKey,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
