import {
  BalanceTransactionSchema,
  CreatedPortalSessionSchema,
  CreditResultSchema,
  CustomerExportSchema,
  CustomerSchema,
  CustomerUsageSchema,
  EntitlementCheckSchema,
  EventSchema,
  FxRatesSchema,
  InvoiceSchema,
  MoneySchema,
  PaginationSchema,
  PaymentSchema,
  PlanSchema,
  PortalConfigurationSchema,
  PortalSessionSchema,
  PublicPaymentMethodSchema,
  RecordedUsageBatchSchema,
  RecordedUsageSchema,
  SubscriptionSchema,
  TaxRateSchema,
  UsageEventSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretSchema,
} from '@ledger/domain';
import { z } from 'zod';
import { OPAQUE_KEYS, toSnake, type Wire } from './casing.js';

/**
 * REST's response schemas, derived from the domain's output schemas by one transformation
 * ({@link restSchema}): keys to snake_case, `Date` to an ISO 8601 string, money with its `display`
 * string, every object strict. The names given here become the OpenAPI document's
 * `components.schemas`, so generated clients get readable types (`Customer`, `Invoice`, …).
 */
const names = new Map<z.ZodType, string>();

/** The component name of a REST schema, when it has one. */
export function componentName(schema: z.ZodType): string | undefined {
  return names.get(schema);
}

/** Every named REST schema, for the document's `components.schemas`. */
export function namedComponents(): ReadonlyArray<readonly [z.ZodType, string]> {
  return [...names];
}

/** Money as REST renders it: the domain's money plus the amount formatted for the currency. */
export const MoneyObject = z
  .strictObject({
    amount: z.number().int().meta({ description: 'Minor units of the currency (cents for USD)' }),
    currency: z.string().regex(/^[A-Z]{3}$/),
    display: z.string().meta({ description: 'The amount formatted for people, e.g. "$49.99"' }),
  })
  .meta({ description: 'An amount of money in integer minor units' });
names.set(MoneyObject, 'Money');

const derived = new WeakMap<z.ZodType, z.ZodType>();
derived.set(MoneySchema, MoneyObject);

function carryMeta<T extends z.ZodType>(from: z.ZodType, to: T): T {
  const meta = from.meta();
  return meta ? (to.meta(meta) as T) : to;
}

function transform(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodDate) return z.iso.datetime();
  if (schema instanceof z.ZodNullable) return restSchema(schema.unwrap() as z.ZodType).nullable();
  if (schema instanceof z.ZodOptional) return restSchema(schema.unwrap() as z.ZodType).optional();
  if (schema instanceof z.ZodArray) return z.array(restSchema(schema.element as z.ZodType));
  if (schema instanceof z.ZodRecord) {
    const value = schema.valueType as z.ZodType;
    return z.record(schema.keyType as z.ZodType<string>, restSchema(value));
  }
  if (schema instanceof z.ZodObject) {
    const shape: Record<string, z.ZodType> = {};
    for (const [key, inner] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      shape[toSnake(key)] = OPAQUE_KEYS.has(key) ? inner : restSchema(inner);
    }
    return z.strictObject(shape);
  }
  return schema;
}

/**
 * The REST (snake_case) schema of a domain output schema. The same rules as the runtime
 * rendering (`toWire`), so a response checked against it proves the two agree. Results are
 * memoised, so one domain schema always gives the one REST schema (and one component).
 */
export function restSchema<S extends z.ZodType>(schema: S): z.ZodType<Wire<z.output<S>>> {
  const known = derived.get(schema);
  if (known) return known as z.ZodType<Wire<z.output<S>>>;
  const result = carryMeta(schema, transform(schema));
  derived.set(schema, result);
  return result as z.ZodType<Wire<z.output<S>>>;
}

/** Derives a REST schema and names it as a component of the OpenAPI document. */
function named<S extends z.ZodType>(name: string, schema: S): z.ZodType<Wire<z.output<S>>> {
  const result = restSchema(schema);
  names.set(result, name);
  return result;
}

/** A payment method as REST shows it: no processor id (the domain's schema, so both doors agree). */
export { PublicPaymentMethodSchema };

/** The REST objects, each named once; tests parse real responses with them. */
export const CustomerObject = named('Customer', CustomerSchema);
export const BalanceTransactionObject = named('BalanceTransaction', BalanceTransactionSchema);
export const CreditResultObject = named('CreditResult', CreditResultSchema);
export const PaymentMethodObject = named('PaymentMethod', PublicPaymentMethodSchema);
export const PlanObject = named('Plan', PlanSchema);
export const SubscriptionObject = named('Subscription', SubscriptionSchema);
export const InvoiceObject = named('Invoice', InvoiceSchema);
export const PaymentObject = named('Payment', PaymentSchema);
export const UsageObject = named('CustomerUsage', CustomerUsageSchema);
export const RecordedUsageObject = named('RecordedUsage', RecordedUsageSchema);
export const RecordedUsageBatchObject = named('RecordedUsageBatch', RecordedUsageBatchSchema);
export const TaxRateObject = named('TaxRate', TaxRateSchema);
export const FxRatesObject = named('FxRates', FxRatesSchema);
export const EventObject = named('Event', EventSchema);
export const WebhookEndpointObject = named('WebhookEndpoint', WebhookEndpointSchema);
export const WebhookEndpointWithSecretObject = named(
  'WebhookEndpointWithSecret',
  WebhookEndpointWithSecretSchema,
);
export const WebhookDeliveryObject = named('WebhookDelivery', WebhookDeliverySchema);
export const PortalSessionObject = named('PortalSession', PortalSessionSchema);
export const CreatedPortalSessionObject = named('CreatedPortalSession', CreatedPortalSessionSchema);
export const PortalConfigurationObject = named('PortalConfiguration', PortalConfigurationSchema);

/** The answer of `POST /ledger/entitlements/check` (REST.md): the check without its record ids. */
export const EntitlementAnswerSchema = EntitlementCheckSchema.pick({
  allowed: true,
  feature: true,
  used: true,
  limit: true,
  remaining: true,
  softLimit: true,
}).extend({ reason: z.string().optional() });
export const EntitlementObject = named('EntitlementAnswer', EntitlementAnswerSchema);
/** A recorded entitlement check with its ids, as a customer's export lists it. */
export const EntitlementCheckObject = named('EntitlementCheck', EntitlementCheckSchema);
/** A stored usage event, as a customer's export lists it. */
export const UsageEventObject = named('UsageEvent', UsageEventSchema);
/** The whole export document of `GET /customers/{id}/export`. */
export const CustomerExportObject = named('CustomerExport', CustomerExportSchema);

names.set(restSchema(PaginationSchema), 'Pagination');

/** The REST schema of a list page of a REST item schema (`{data, pagination}`), for tests. */
export function listObject<T extends z.ZodType>(item: T) {
  return z.strictObject({ data: z.array(item), pagination: restSchema(PaginationSchema) });
}
