import type { CustomerId } from '../ids.js';
import { type KeptAnswerGuard, SEALED_ANSWER_PREFIX } from '../platform/ports.js';
import type { WebhookSecrets } from '../webhooks/ports.js';
import type { StoredEventPayload } from './erasure-ports.js';
import { ERASED_CUSTOMER_NAME } from './model.js';

type Json = Record<string, unknown>;

/**
 * The personal fields of a customer object and what they become, in both spellings: the
 * domain's (events' `data.object`) and the wire's (kept REST responses). Everything else — ids,
 * balance, currency, tax exemption, dates — is kept.
 */
const PLACEHOLDERS: Readonly<Record<string, () => unknown>> = {
  name: () => ERASED_CUSTOMER_NAME,
  email: () => null,
  billingAddress: () => null,
  billing_address: () => null,
  taxIds: () => [],
  tax_ids: () => [],
  metadata: () => ({}),
};

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The fields of `fields` that are personal, replaced by their placeholders. */
function withPlaceholders(fields: Json): Json {
  const next: Json = { ...fields };
  for (const [key, placeholder] of Object.entries(PLACEHOLDERS)) {
    if (key in next) next[key] = placeholder();
  }
  return next;
}

/** A card reduced to its brand: the rest (last four, expiry, country) says who holds it. */
function erasedCard(card: Json): Json {
  const next: Json = { ...card, last4: '****' };
  for (const key of ['expMonth', 'expYear', 'exp_month', 'exp_year'] as const) {
    if (key in card) next[key] = 0;
  }
  if ('country' in card) next.country = null;
  return next;
}

/**
 * `value` with every copy of the customer's personal data replaced: any object whose `id` is the
 * customer's gets placeholders for its personal fields, and any object of the customer with a
 * `card` keeps only the card's brand. Works on events' JSON and on wire JSON alike.
 */
export function scrubCustomerData(value: unknown, customerId: string): unknown {
  if (Array.isArray(value)) return value.map((item) => scrubCustomerData(item, customerId));
  if (!isObject(value)) return value;
  let next: Json = {};
  for (const [key, item] of Object.entries(value)) next[key] = scrubCustomerData(item, customerId);
  if (next.id === customerId) next = withPlaceholders(next);
  const owner = next.customerId ?? next.customer_id;
  if (owner === customerId && isObject(next.card)) next.card = erasedCard(next.card);
  return next;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * An event payload without the customer's personal data, or null when it holds none: the
 * object is scrubbed (see `scrubCustomerData`), and the old values of a customer's change
 * (`previousAttributes` of `customer.updated`, …) get placeholders too. Amounts, currencies and
 * ids stay, so the event still tells what happened.
 */
export function erasedEventPayload(
  payload: StoredEventPayload,
  customerId: string,
): StoredEventPayload | null {
  const object = scrubCustomerData(payload.data.object, customerId);
  const ofCustomer = isObject(payload.data.object) && payload.data.object.id === customerId;
  const previous = payload.previousAttributes;
  const next: StoredEventPayload = { ...payload, data: { ...payload.data, object } };
  if (previous) {
    const scrubbed = scrubCustomerData(previous, customerId) as Json;
    next.previousAttributes = ofCustomer ? withPlaceholders(scrubbed) : scrubbed;
  }
  return same(next, payload) ? null : next;
}

/**
 * A kept idempotency response without the customer's personal data, resealed; null when it
 * does not mention the customer (most do not, and are left untouched) or is not JSON.
 */
export function erasedKeptResponse(
  body: string,
  customerId: string,
  seal: Pick<WebhookSecrets, 'seal' | 'open'>,
): string | null {
  const text = body.startsWith(SEALED_ANSWER_PREFIX)
    ? seal.open(body.slice(SEALED_ANSWER_PREFIX.length))
    : body;
  if (!text.includes(customerId)) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const scrubbed = scrubCustomerData(json, customerId);
  if (same(scrubbed, json)) return null;
  return `${SEALED_ANSWER_PREFIX}${seal.seal(JSON.stringify(scrubbed))}`;
}

/** A customer id as it appears in any text: `cus_` and a TypeID's 26 base32 characters. */
const CUSTOMER_ID = /\bcus_[0-9a-z]{26}\b/g;

/**
 * The guard a kept answer is written under (see `IdempotencyStore.completeIdempotencyKey`):
 * the customers `text` (the answer, unsealed) mentions, and the scrub for those erased while
 * the request ran; none when it mentions no customer.
 */
export function keptAnswerGuard(
  text: string,
  seal: Pick<WebhookSecrets, 'seal' | 'open'>,
): KeptAnswerGuard | undefined {
  const customerIds = [...new Set(text.match(CUSTOMER_ID) ?? [])] as CustomerId[];
  if (customerIds.length === 0) return undefined;
  return {
    customerIds,
    scrub: (body, erased) =>
      erased.reduce((kept, id) => erasedKeptResponse(kept, id, seal) ?? kept, body),
  };
}
