import type {
  BillingStore,
  CustomerId,
  Invoice,
  InvoiceId,
  Payment,
  PaymentId,
  SubscriptionId,
} from '@ledger/domain';
import { and, asc, count, desc, eq, inArray, isNull, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import {
  invoiceSequences,
  invoices,
  payments,
  pendingLines,
  processedEvents,
} from '../schema/index.js';
import { inScope } from './scope.js';

type Row = typeof invoices.$inferSelect;
type PaymentRow = typeof payments.$inferSelect;

/** An invoice row (its lines inside) as the domain model; shared with the export. */
export function toInvoice(row: Row): Invoice {
  const money = (amount: number) => ({ amount, currency: row.currency });
  return {
    id: row.id as InvoiceId,
    number: row.number,
    customerId: row.customerId as CustomerId,
    subscriptionId: row.subscriptionId as SubscriptionId | null,
    status: row.status as Invoice['status'],
    currency: row.currency,
    lineItems: row.lineItems.map((line) => ({
      ...line,
      periodStart: new Date(line.periodStart),
      periodEnd: new Date(line.periodEnd),
    })),
    subtotal: money(row.subtotal),
    tax: row.tax,
    creditApplied: money(row.creditApplied),
    total: money(row.total),
    amountDue: money(row.amountDue),
    amountPaid: money(row.amountPaid),
    fx: row.fx ?? null,
    periodStart: row.periodStart,
    periodEnd: row.periodEnd,
    dueDate: row.dueDate,
    paidAt: row.paidAt,
    voidedAt: row.voidedAt,
    collectionNote: row.collectionNote,
    attemptCount: row.attempts,
    nextPaymentAttempt: row.nextAttemptAt,
    chargeInFlightSince: row.chargeInFlightSince,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function columnsOf(invoice: Invoice) {
  return {
    number: invoice.number,
    status: invoice.status,
    currency: invoice.currency,
    lineItems: invoice.lineItems,
    subtotal: invoice.subtotal.amount,
    tax: invoice.tax,
    creditApplied: invoice.creditApplied.amount,
    total: invoice.total.amount,
    amountDue: invoice.amountDue.amount,
    amountPaid: invoice.amountPaid.amount,
    fx: invoice.fx,
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    dueDate: invoice.dueDate,
    paidAt: invoice.paidAt,
    voidedAt: invoice.voidedAt,
    collectionNote: invoice.collectionNote,
    attempts: invoice.attemptCount,
    nextAttemptAt: invoice.nextPaymentAttempt,
    chargeInFlightSince: invoice.chargeInFlightSince,
    updatedAt: invoice.updatedAt,
  };
}

/** A payment row as the domain model; shared with the export. */
export function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id as PaymentId,
    invoiceId: row.invoiceId as InvoiceId,
    customerId: row.customerId as CustomerId,
    amount: { amount: row.amount, currency: row.currency },
    status: row.status as Payment['status'],
    paymentMethodId: row.paymentMethodId,
    processor: row.processor,
    processorRef: row.processorRef,
    failureCode: row.failureCode,
    failureMessage: row.failureMessage,
    createdAt: row.createdAt,
  };
}

type InvoiceMethods =
  | 'insertInvoice'
  | 'getInvoice'
  | 'updateInvoice'
  | 'listCustomerInvoices'
  | 'countInvoices'
  | 'nextInvoiceNumber'
  | 'claimInvoicesToRetry'
  | 'insertPendingLine'
  | 'listPendingLines'
  | 'takePendingLines'
  | 'releasePendingLines'
  | 'insertPayment'
  | 'updatePayment'
  | 'scheduleRefund'
  | 'claimRefundsDue'
  | 'findPaymentByProcessorRef'
  | 'markProcessorEvent'
  | 'listPayments';

/** Invoices, proration lines and payments over either driver. */
export function invoiceStore(db: Db): Pick<BillingStore, InvoiceMethods> {
  return {
    async insertInvoice(scope, invoice) {
      const rows = await db
        .insert(invoices)
        .values({
          ...scope,
          ...columnsOf(invoice),
          id: invoice.id,
          customerId: invoice.customerId,
          subscriptionId: invoice.subscriptionId,
          createdAt: invoice.createdAt,
        })
        .onConflictDoNothing({
          target: [
            invoices.tenantId,
            invoices.appId,
            invoices.subscriptionId,
            invoices.periodStart,
          ],
          where: sql`${invoices.subscriptionId} IS NOT NULL AND ${invoices.status} <> 'void'`,
        })
        .returning({ id: invoices.id });
      return rows.length > 0;
    },
    async getInvoice(scope, id, options) {
      const query = db
        .select()
        .from(invoices)
        .where(and(inScope(invoices, scope), eq(invoices.id, id)));
      const rows = options?.forUpdate ? await query.for('update') : await query;
      return rows[0] ? toInvoice(rows[0]) : null;
    },
    async updateInvoice(scope, invoice) {
      await db
        .update(invoices)
        .set(columnsOf(invoice))
        .where(and(inScope(invoices, scope), eq(invoices.id, invoice.id)));
    },
    async listCustomerInvoices(scope, customerId, filter) {
      const where = and(
        inScope(invoices, scope),
        eq(invoices.customerId, customerId),
        filter.status ? eq(invoices.status, filter.status) : undefined,
      );
      const pageWhere = filter.startingAfter
        ? and(where, lt(invoices.id, filter.startingAfter))
        : where;
      const [rows, totals] = await Promise.all([
        db
          .select()
          .from(invoices)
          .where(pageWhere)
          .orderBy(desc(invoices.id))
          .limit(filter.limit + 1)
          .offset(filter.offset),
        db.select({ n: count() }).from(invoices).where(where),
      ]);
      return {
        rows: rows.slice(0, filter.limit).map(toInvoice),
        total: totals[0]?.n ?? 0,
        hasMore: rows.length > filter.limit,
      };
    },
    async countInvoices(scope, customerId) {
      const rows = await db
        .select({ n: count() })
        .from(invoices)
        .where(and(inScope(invoices, scope), eq(invoices.customerId, customerId)));
      return rows[0]?.n ?? 0;
    },
    async nextInvoiceNumber(scope) {
      // The counter row is locked by this UPDATE until the finalizing transaction ends, so
      // numbers are handed out in commit order and a rolled-back finalize leaves no gap.
      const rows = await db
        .insert(invoiceSequences)
        .values({ ...scope, last: 1 })
        .onConflictDoUpdate({
          target: [invoiceSequences.tenantId, invoiceSequences.appId],
          set: { last: sql`${invoiceSequences.last} + 1` },
        })
        .returning({ last: invoiceSequences.last });
      return rows[0]?.last ?? 1;
    },
    async claimInvoicesToRetry(now, leaseUntil, limit) {
      const due = await db
        .select({ tenantId: invoices.tenantId, appId: invoices.appId, id: invoices.id })
        .from(invoices)
        .where(
          and(inArray(invoices.status, ['open', 'past_due']), lte(invoices.nextAttemptAt, now)),
        )
        .orderBy(asc(invoices.nextAttemptAt))
        .limit(limit)
        .for('update', { skipLocked: true });
      for (const row of due) {
        await db
          .update(invoices)
          .set({ nextAttemptAt: leaseUntil })
          .where(
            and(
              eq(invoices.tenantId, row.tenantId),
              eq(invoices.appId, row.appId),
              eq(invoices.id, row.id),
            ),
          );
      }
      return due.map((row) => ({
        scope: { tenantId: row.tenantId, appId: row.appId },
        invoiceId: row.id as InvoiceId,
      }));
    },
    async insertPendingLine(scope, subscriptionId, line) {
      await db
        .insert(pendingLines)
        .values({ ...scope, id: line.id, subscriptionId, line, createdAt: new Date() });
    },
    async listPendingLines(scope, subscriptionId) {
      const rows = await db
        .select({ line: pendingLines.line })
        .from(pendingLines)
        .where(
          and(
            inScope(pendingLines, scope),
            eq(pendingLines.subscriptionId, subscriptionId),
            isNull(pendingLines.invoiceId),
          ),
        );
      return rows.map((row) => ({
        ...row.line,
        periodStart: new Date(row.line.periodStart),
        periodEnd: new Date(row.line.periodEnd),
      }));
    },
    async takePendingLines(scope, subscriptionId, invoiceId) {
      const rows = await db
        .update(pendingLines)
        .set({ invoiceId })
        .where(
          and(
            inScope(pendingLines, scope),
            eq(pendingLines.subscriptionId, subscriptionId),
            isNull(pendingLines.invoiceId),
          ),
        )
        .returning({ line: pendingLines.line });
      return rows
        .map((row) => ({
          ...row.line,
          periodStart: new Date(row.line.periodStart),
          periodEnd: new Date(row.line.periodEnd),
        }))
        .sort((a, b) => a.id.localeCompare(b.id));
    },
    async releasePendingLines(scope, invoiceId) {
      await db
        .update(pendingLines)
        .set({ invoiceId: null })
        .where(and(inScope(pendingLines, scope), eq(pendingLines.invoiceId, invoiceId)));
    },
    async insertPayment(scope, payment) {
      const rows = await db
        .insert(payments)
        .values({
          ...scope,
          ...payment,
          amount: payment.amount.amount,
          currency: payment.amount.currency,
        })
        .onConflictDoNothing({
          target: [payments.tenantId, payments.appId, payments.processor, payments.processorRef],
          where: sql`${payments.processorRef} IS NOT NULL`,
        })
        .returning({ id: payments.id });
      return rows.length > 0;
    },

    async updatePayment(scope, payment) {
      await db
        .update(payments)
        .set({
          status: payment.status,
          failureCode: payment.failureCode,
          failureMessage: payment.failureMessage,
        })
        .where(and(inScope(payments, scope), eq(payments.id, payment.id)));
    },
    async scheduleRefund(scope, paymentId, at) {
      await db
        .update(payments)
        .set({ refundDueAt: at })
        .where(and(inScope(payments, scope), eq(payments.id, paymentId)));
    },
    async claimRefundsDue(now, leaseUntil, limit) {
      const due = await db
        .select()
        .from(payments)
        .where(and(eq(payments.status, 'succeeded'), lte(payments.refundDueAt, now)))
        .orderBy(asc(payments.refundDueAt))
        .limit(limit)
        .for('update', { skipLocked: true });
      for (const row of due) {
        await db
          .update(payments)
          .set({ refundDueAt: leaseUntil })
          .where(
            and(
              eq(payments.tenantId, row.tenantId),
              eq(payments.appId, row.appId),
              eq(payments.id, row.id),
            ),
          );
      }
      return due.map((row) => ({
        scope: { tenantId: row.tenantId, appId: row.appId },
        payment: toPayment(row),
      }));
    },
    async findPaymentByProcessorRef(processor, ref) {
      const rows = await db
        .select()
        .from(payments)
        .where(and(eq(payments.processor, processor), eq(payments.processorRef, ref)))
        .orderBy(desc(payments.id))
        .limit(1);
      const row = rows[0];
      return row
        ? { scope: { tenantId: row.tenantId, appId: row.appId }, payment: toPayment(row) }
        : null;
    },
    async markProcessorEvent(scope, processor, eventId, type) {
      const rows = await db
        .insert(processedEvents)
        .values({ ...scope, processor, eventId, type, processedAt: new Date() })
        .onConflictDoNothing()
        .returning({ eventId: processedEvents.eventId });
      return rows.length > 0;
    },
    async listPayments(scope, filter) {
      const where = and(
        inScope(payments, scope),
        filter.customerId ? eq(payments.customerId, filter.customerId) : undefined,
        filter.invoiceId ? eq(payments.invoiceId, filter.invoiceId) : undefined,
      );
      const [rows, totals] = await Promise.all([
        db
          .select()
          .from(payments)
          .where(where)
          .orderBy(desc(payments.id))
          .limit(filter.limit + 1)
          .offset(filter.offset),
        db.select({ n: count() }).from(payments).where(where),
      ]);
      return {
        rows: rows.slice(0, filter.limit).map(toPayment),
        total: totals[0]?.n ?? 0,
        hasMore: rows.length > filter.limit,
      };
    },
  };
}
