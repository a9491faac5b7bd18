import { z } from 'zod';
import { newTypeIdSuffix, TYPEID_SUFFIX } from './typeid.js';

/**
 * The TypeID prefix of every Ledger object. TypeIDs are K-sortable (UUIDv7 inside), so ordering
 * by id is ordering by creation time, which the list cursors rely on.
 */
export const ID_PREFIXES = {
  customer: 'cus',
  paymentMethod: 'pm',
  balanceTransaction: 'cbtxn',
  event: 'evt',
  plan: 'plan',
  subscription: 'sub',
  invoice: 'inv',
  lineItem: 'li',
  payment: 'pay',
  usageEvent: 'use',
  entitlementCheck: 'echk',
  portalSession: 'bps',
  webhookEndpoint: 'we',
  webhookDelivery: 'wd',
  apiKey: 'key',
  request: 'req',
} as const;

/** One of the object kinds that have an id. */
export type IdKind = keyof typeof ID_PREFIXES;
/** A TypeID string whose prefix is that of kind K, e.g. `cus_01jd…`. */
export type Id<K extends IdKind> = `${(typeof ID_PREFIXES)[K]}_${string}`;

/** A customer's id (`cus_…`): typed, so another object's id cannot be passed in its place. */
export type CustomerId = Id<'customer'>;
/** A payment method's id (`pm_…`). */
export type PaymentMethodId = Id<'paymentMethod'>;
/** A balance journal row's id (`cbtxn_…`). */
export type BalanceTransactionId = Id<'balanceTransaction'>;
/** An event's id (`evt_…`), unique within its scope. */
export type EventId = Id<'event'>;
/** A webhook endpoint's id (`we_…`). */
export type WebhookEndpointId = Id<'webhookEndpoint'>;
/** A webhook delivery attempt's id (`wd_…`). */
export type WebhookDeliveryId = Id<'webhookDelivery'>;

/** Makes a new, time-ordered id for `kind`. */
export function newId<K extends IdKind>(kind: K): Id<K> {
  return `${ID_PREFIXES[kind]}_${newTypeIdSuffix()}` as Id<K>;
}

/** Each kind's id as a pattern, made once. */
const ID_PATTERNS = Object.fromEntries(
  Object.entries(ID_PREFIXES).map(([kind, prefix]) => [
    kind,
    new RegExp(`^${prefix}_${TYPEID_SUFFIX}$`),
  ]),
) as Record<IdKind, RegExp>;

/** True when `value` is a well-formed TypeID with the prefix of `kind`. */
export function isId<K extends IdKind>(kind: K, value: string): value is Id<K> {
  return ID_PATTERNS[kind].test(value);
}

/**
 * A zod schema for an id of `kind`. A malformed id, or one with another prefix, fails with a
 * message naming the expected prefix; callers map that to `invalid_id` on the parameter.
 */
export function idSchema<K extends IdKind>(kind: K) {
  const prefix = ID_PREFIXES[kind];
  return z
    .string()
    .refine((value) => isId(kind, value), {
      message: `must be an id starting with "${prefix}_"`,
      params: { ledgerCode: 'invalid_id' },
    })
    .transform((value) => value as Id<K>)
    .meta({ pattern: `^${prefix}_[0-9a-z]{26}$`, description: `An id starting with "${prefix}_"` });
}
