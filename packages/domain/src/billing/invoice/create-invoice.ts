import { loadLiveCustomer } from '../../customer/load-customer.js';
import { LedgerError } from '../../errors.js';
import { recordCustomerEvent } from '../../events/record-event.js';
import type { ServiceContext, StoreTx } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { loadPlan, loadSubscription } from '../load.js';
import type { Invoice, Subscription } from '../model.js';
import { CreateInvoiceInput } from '../schemas.js';
import { type BillingWindow, buildInvoice } from './build-invoice.js';

/**
 * Builds and stores the draft invoice of one subscription period, emitting `invoice.created`.
 * Returns null when that period already has an invoice (the unique index decides, so concurrent
 * billing runs cannot bill a period twice).
 */
export async function draftPeriodInvoice(
  tx: StoreTx,
  ctx: ServiceContext,
  subscription: Subscription,
  window: BillingWindow,
  cutoff?: Date,
): Promise<Invoice | null> {
  const customer = await loadLiveCustomer(tx, ctx, subscription.customerId, {
    param: 'customerId',
  });
  const plan = await loadPlan(tx, ctx, subscription.planId, 'planId');
  const invoice = await buildInvoice(tx, ctx, { customer, plan, subscription, window, cutoff });
  if (!(await tx.insertInvoice(ctx.scope, invoice))) {
    await tx.releasePendingLines(ctx.scope, invoice.id);
    return null;
  }
  await recordCustomerEvent(tx, ctx, 'invoice.created', customer, invoice);
  return invoice;
}

/** The (live) invoices of the subscription's current period, newest first. */
async function currentPeriodInvoices(
  tx: StoreTx,
  ctx: ServiceContext,
  subscription: Subscription,
): Promise<Invoice[]> {
  const page = await tx.listCustomerInvoices(ctx.scope, subscription.customerId, {
    limit: 100,
    offset: 0,
  });
  return page.rows.filter(
    (inv) =>
      inv.subscriptionId === subscription.id &&
      inv.periodStart.getTime() === subscription.currentPeriodStart.getTime() &&
      inv.status !== 'void',
  );
}

/**
 * Whether the subscription's current period already has a finalized invoice (made by hand):
 * its base price is then billed and must not be billed again.
 */
export async function periodAlreadyInvoiced(
  tx: StoreTx,
  ctx: ServiceContext,
  subscription: Subscription,
): Promise<boolean> {
  return (await currentPeriodInvoices(tx, ctx, subscription)).some((inv) => inv.status !== 'draft');
}

/** The draft invoice of the subscription's current period, if one was created by hand. */
export async function findPeriodDraft(
  tx: StoreTx,
  ctx: ServiceContext,
  subscription: Subscription,
): Promise<Invoice | null> {
  return (
    (await currentPeriodInvoices(tx, ctx, subscription)).find((inv) => inv.status === 'draft') ??
    null
  );
}

/**
 * The draft to finalize for a period that is ending: built now from the period's base, usage and
 * waiting lines. A hand-made draft of the period is stale (usage went on after it was made), so it
 * is voided and rebuilt; a period already finalized by hand gives null (it is billed).
 */
export async function periodInvoice(
  tx: StoreTx,
  ctx: ServiceContext,
  subscription: Subscription,
  window: BillingWindow,
  cutoff?: Date,
): Promise<Invoice | null> {
  const fresh = await draftPeriodInvoice(tx, ctx, subscription, window, cutoff);
  if (fresh) return fresh;
  const stale = await findPeriodDraft(tx, ctx, subscription);
  if (!stale) return null;
  const now = ctx.clock.now();
  const voided: Invoice = {
    ...stale,
    status: 'void',
    voidedAt: now,
    collectionNote: 'replaced by the period invoice',
    updatedAt: now,
  };
  await tx.updateInvoice(ctx.scope, voided);
  await tx.releasePendingLines(ctx.scope, stale.id);
  await recordCustomerEvent(tx, ctx, 'invoice.voided', { id: stale.customerId }, voided);
  return draftPeriodInvoice(tx, ctx, subscription, window, cutoff);
}

/** A draft invoice for the subscription's current period (usage so far; base price in full). */
export async function createInvoice(
  ctx: ServiceContext,
  input: CreateInvoiceInput,
): Promise<Invoice> {
  const { subscriptionId } = parseInput(CreateInvoiceInput, input);
  return inTransaction(ctx, async (tx) => {
    const subscription = await loadSubscription(tx, ctx, subscriptionId, {
      forUpdate: true,
      param: 'subscriptionId',
    });
    if (!['active', 'past_due'].includes(subscription.status)) {
      throw new LedgerError(
        'invalid_state',
        `A ${subscription.status} subscription has no billable period`,
        {
          param: ['subscriptionId'],
        },
      );
    }
    const window = { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd };
    const invoice = await draftPeriodInvoice(tx, ctx, subscription, window);
    if (!invoice) {
      throw new LedgerError('invalid_state', 'This subscription period already has an invoice', {
        param: ['subscriptionId'],
      });
    }
    return invoice;
  });
}
