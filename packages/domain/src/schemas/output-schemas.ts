import { z } from 'zod';
import { ID_PREFIXES, type IdKind } from '../ids.js';
import { TAX_ID_TYPES, TAX_ID_VERIFICATION_STATUSES } from '../tax-ids/types.js';

/**
 * The building blocks of the domain's output schemas. Outputs are what verbs return, already
 * normalised: ids carry their prefix, currencies are upper-case ISO 4217, times are `Date`s.
 * They describe values rather than check callers, so they have no refinements to fail.
 */

/** An id of `kind` as verbs return it: the type is the prefixed template (`cus_${string}`). */
export function outputId<K extends IdKind>(kind: K) {
  const prefix = ID_PREFIXES[kind];
  return z
    .templateLiteral([`${prefix}_`, z.string()])
    .meta({ pattern: `^${prefix}_[0-9a-z]{26}$`, description: `An id starting with "${prefix}_"` });
}

/** An upper-case ISO 4217 code, as every output carries it. */
export const CurrencyCodeSchema = z
  .string()
  .regex(/^[A-Z]{3}$/)
  .meta({ description: 'ISO 4217 currency code, upper case' });

/** A money value: an integer amount of minor units of `currency`. */
export const MoneySchema = z.object({ amount: z.number().int(), currency: CurrencyCodeSchema });

/** An instant, as a `Date` (REST writes it as an ISO 8601 string). */
export const TimestampSchema = z.date();

/** Metadata as stored: the caller's own keys and JSON values. */
export const MetadataOutputSchema = z.record(z.string(), z.unknown());

/** A stored billing address (country upper-case). */
export const AddressOutputSchema = z.object({
  line1: z.string(),
  line2: z.string().optional(),
  city: z.string().optional(),
  state: z.string().optional(),
  postalCode: z.string().optional(),
  country: z.string().regex(/^[A-Z]{2}$/),
});

/** A stored tax id and what is known of its validity. */
export const TaxIdOutputSchema = z.object({
  type: z.enum(TAX_ID_TYPES),
  value: z.string(),
  verification: z.object({
    status: z.enum(TAX_ID_VERIFICATION_STATUSES),
    reason: z.string().optional(),
  }),
});

/** Where a list page stands: `nextCursor` is the id to pass as `startingAfter` for the next. */
export const PaginationSchema = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  hasMore: z.boolean(),
  nextCursor: z.string().nullable(),
});

/** A page of a list: the items and both styles of continuation. */
export function pageOutput<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), pagination: PaginationSchema });
}

/** A whole list without paging (a customer's subscriptions, the plans, a customer's cards). */
export function dataOutput<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item) });
}
