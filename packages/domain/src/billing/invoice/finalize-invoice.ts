import { postBalance } from '../../balance/post-balance.js';
import { loadLiveCustomer } from '../../customer/load-customer.js';
import { isLedgerError } from '../../errors.js';
import { recordCustomerEvent } from '../../events/record-event.js';
import type { ServiceContext, StoreTx } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { assertState, loadInvoice } from '../load.js';
import type { Invoice } from '../model.js';
import { InvoiceIdInput } from '../schemas.js';
import { collectInvoice } from './collect-invoice.js';

/** Invoice numbers: a prefix and the scope's gap-free counter. */
export function formatInvoiceNumber(sequence: number): string {
  return `INV-${String(sequence).padStart(6, '0')}`;
}

/**
 * How a customer's balance meets an invoice total: a credit (negative balance) lowers the amount
 * due to zero at most; a debt (positive balance) is added to it; a negative total (a credit note,
 * e.g. after a downgrade) owes nothing and goes to the balance as credit. `applied` is what moves
 * between the balance and the invoice: `amountDue = total − applied` and
 * `endingBalance = balance + applied`, so no minor unit is created or lost.
 */
export function applyBalance(
  total: number,
  balance: number,
): { applied: number; amountDue: number; endingBalance: number } {
  const amountDue = Math.max(0, total + balance);
  const applied = total - amountDue;
  return { applied, amountDue, endingBalance: balance + applied };
}

/** Finalized invoices are collected at once; if that never happens (a crash), the job does it then. */
export const COLLECTION_GRACE_MS = 10 * 60 * 1000;

/**
 * Finalizes a draft inside the caller's transaction: takes the next gap-free number, applies the
 * customer's balance through one `applied_to_invoice` journal row (a credit lowers the amount due
 * to zero at most; a debt is added to it), and marks it `paid` when nothing is due, else `open`.
 */
export async function finalizeDraft(
  tx: StoreTx,
  ctx: ServiceContext,
  draft: Invoice,
): Promise<Invoice> {
  assertState(draft.status, ['draft'], 'finalize an invoice');
  const customer = await loadLiveCustomer(tx, ctx, draft.customerId, { param: 'customerId' });
  const { applied, amountDue } = applyBalance(draft.total.amount, customer.balance.amount);
  if (applied !== 0) {
    await postBalance(tx, ctx, {
      customerId: customer.id,
      type: 'applied_to_invoice',
      amount: { amount: applied, currency: draft.currency },
      description:
        draft.total.amount < 0
          ? 'Invoice credit added to the balance'
          : applied > 0
            ? 'Credit applied to invoice'
            : 'Balance due added to invoice',
      invoiceId: draft.id,
    });
  }
  const now = ctx.clock.now();
  const invoice: Invoice = {
    ...draft,
    number: formatInvoiceNumber(await tx.nextInvoiceNumber(ctx.scope)),
    creditApplied: { amount: applied, currency: draft.currency },
    amountDue: { amount: amountDue, currency: draft.currency },
    status: amountDue === 0 ? 'paid' : 'open',
    nextPaymentAttempt: amountDue === 0 ? null : new Date(now.getTime() + COLLECTION_GRACE_MS),
    paidAt: amountDue === 0 ? now : null,
    dueDate: now,
    updatedAt: now,
  };
  await tx.updateInvoice(ctx.scope, invoice);
  await recordCustomerEvent(tx, ctx, 'invoice.finalized', customer, invoice);
  if (invoice.status === 'paid')
    await recordCustomerEvent(tx, ctx, 'invoice.paid', customer, invoice);
  return invoice;
}

/**
 * Finalizes a draft invoice (number, balance applied) and then tries to collect it from the
 * customer's default payment method: `paid`, `past_due` on a decline, or `open` when there is no
 * method or processor.
 */
export async function finalizeInvoice(
  ctx: ServiceContext,
  input: InvoiceIdInput,
): Promise<Invoice> {
  const { id } = parseInput(InvoiceIdInput, input);
  const finalized = await inTransaction(ctx, async (tx) => {
    const draft = await loadInvoice(tx, ctx, id, { forUpdate: true });
    return finalizeDraft(tx, ctx, draft);
  });
  if (finalized.status !== 'open') return finalized;
  try {
    return (await collectInvoice(ctx, finalized.id)).invoice;
  } catch (error) {
    // Finalizing succeeded; a processor outage only delays the charge (retried by the billing
    // job, `collectionNote` says why), so the answer is still the finalized invoice.
    if (isLedgerError(error, 'provider_error') || isLedgerError(error, 'provider_timeout')) {
      return loadInvoice(ctx.store, ctx, finalized.id);
    }
    throw error;
  }
}
