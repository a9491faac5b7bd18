import { z } from 'zod';
import {
  EntitlementCheckSchema,
  InvoiceSchema,
  PaymentSchema,
  SubscriptionSchema,
  UsageEventSchema,
} from '../billing/output-schemas.js';
import { EventSchema } from '../events/output-schemas.js';
import { PublicPaymentMethodSchema } from '../payment-method/output-schemas.js';
import { PortalSessionSchema } from '../portal/output-schemas.js';
import { TimestampSchema } from '../schemas/output-schemas.js';
import { BalanceTransactionSchema, CustomerSchema } from './output-schemas.js';

/** The version of the export's layout; a change that breaks readers of it bumps it. */
export const EXPORT_FORMAT_VERSION = 1;

/**
 * The sections of a customer's export, in PRIVACY.md's order: the record kind each element is
 * (`kind` of an NDJSON line), the document's key (camelCase; REST writes it snake_case), whether
 * it is one object or a list, and the output schema of one element. Declared once, so the
 * document, the NDJSON lines, the tRPC records and the OpenAPI entry cannot disagree.
 */
export const EXPORT_SECTIONS = [
  { kind: 'customer', key: 'customer', many: false, schema: CustomerSchema },
  {
    kind: 'balance_transaction',
    key: 'balanceTransactions',
    many: true,
    schema: BalanceTransactionSchema,
  },
  { kind: 'payment_method', key: 'paymentMethods', many: true, schema: PublicPaymentMethodSchema },
  { kind: 'subscription', key: 'subscriptions', many: true, schema: SubscriptionSchema },
  { kind: 'invoice', key: 'invoices', many: true, schema: InvoiceSchema },
  { kind: 'payment', key: 'payments', many: true, schema: PaymentSchema },
  { kind: 'usage_event', key: 'usageEvents', many: true, schema: UsageEventSchema },
  {
    kind: 'entitlement_check',
    key: 'entitlementChecks',
    many: true,
    schema: EntitlementCheckSchema,
  },
  { kind: 'event', key: 'events', many: true, schema: EventSchema },
  { kind: 'portal_session', key: 'portalSessions', many: true, schema: PortalSessionSchema },
] as const;

type Section = (typeof EXPORT_SECTIONS)[number];

/** One record of an export: `{kind, data}`, `data` exactly as the API returns that object. */
export type ExportRecord = {
  [S in Section as S['kind']]: { kind: S['kind']; data: z.output<S['schema']> };
}[Section['kind']];

/** The kind of one export record (`customer`, `usage_event`, …). */
export type ExportRecordKind = ExportRecord['kind'];

function documentShape() {
  const shape: Record<string, z.ZodType> = {
    formatVersion: z.literal(EXPORT_FORMAT_VERSION),
    exportedAt: TimestampSchema,
  };
  for (const section of EXPORT_SECTIONS) {
    shape[section.key] = section.many ? z.array(section.schema) : section.schema;
  }
  return shape;
}

/**
 * The whole export document (`GET /customers/{id}/export`): the format version, when it was
 * made, and every section. Built from {@link EXPORT_SECTIONS}.
 */
export const CustomerExportSchema = z
  .object(documentShape())
  .meta({ description: 'Everything Ledger keeps about one customer (GDPR Art. 15 and 20)' });
