import {
  type CheckEntitlementInput,
  type CreateInvoiceInput,
  checkEntitlement,
  createInvoice,
  finalizeInvoice,
  getInvoice,
  type InvoiceIdInput,
  type ListPaymentsInput,
  listPayments,
  payInvoice,
  type RecordUsageBatchInput,
  recordUsage,
  recordUsageBatch,
  type UsageEventInput,
  type VoidInvoiceInput,
  voidInvoice,
} from '@ledger/domain';
import { procedure, router, typed } from '../init.js';

/** `meter.*`: usage ingest, which spends its own rate limit budget. */
export const meterRouter = router({
  record: procedure
    .meta({ budget: 'ingest' })
    .input(typed<UsageEventInput>())
    .mutation(({ ctx, input }) => recordUsage(ctx.services, input)),
  recordBatch: procedure
    .meta({ budget: 'ingest' })
    .input(typed<RecordUsageBatchInput>())
    .mutation(({ ctx, input }) => recordUsageBatch(ctx.services, input)),
});

/** `entitlement.*`. */
export const entitlementRouter = router({
  check: procedure
    .input(typed<CheckEntitlementInput>())
    .mutation(({ ctx, input }) => checkEntitlement(ctx.services, input)),
});

/** `invoice.*`. */
export const invoiceRouter = router({
  create: procedure
    .input(typed<CreateInvoiceInput>())
    .mutation(({ ctx, input }) => createInvoice(ctx.services, input)),
  get: procedure
    .input(typed<InvoiceIdInput>())
    .query(({ ctx, input }) => getInvoice(ctx.services, input)),
  finalize: procedure
    .input(typed<InvoiceIdInput>())
    .mutation(({ ctx, input }) => finalizeInvoice(ctx.services, input)),
  pay: procedure
    .input(typed<InvoiceIdInput>())
    .mutation(({ ctx, input }) => payInvoice(ctx.services, input)),
  void: procedure
    .input(typed<VoidInvoiceInput>())
    .mutation(({ ctx, input }) => voidInvoice(ctx.services, input)),
});

/** `payment.*`. */
export const paymentRouter = router({
  list: procedure
    .input(typed<ListPaymentsInput | undefined>())
    .query(({ ctx, input }) => listPayments(ctx.services, input)),
});
