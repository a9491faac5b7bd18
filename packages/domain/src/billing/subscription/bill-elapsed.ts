import type { ServiceContext, StoreTx } from '../../ports.js';
import { periodInvoice } from '../invoice/create-invoice.js';
import { finalizeDraft } from '../invoice/finalize-invoice.js';
import type { InvoiceId, Subscription } from '../model.js';

/**
 * Bills the elapsed part of a paid period that ends early (pause, immediate cancel): periods are
 * billed in arrears, so without this the time already used, its usage and any waiting proration
 * lines would never be invoiced. The base and proration lines are prorated to the elapsed time
 * by seconds. A hand-made draft for the period is replaced; a period already finalized by hand is
 * left as billed. Returns the finalized invoice to collect after the commit, if any is due.
 */
export async function billElapsed(
  tx: StoreTx,
  ctx: ServiceContext,
  subscription: Subscription,
  now: Date,
): Promise<InvoiceId | null> {
  if (!['active', 'past_due'].includes(subscription.status)) return null;
  if (now.getTime() <= subscription.currentPeriodStart.getTime()) return null;
  const window = { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd };
  const invoice = await periodInvoice(tx, ctx, subscription, window, now);
  if (!invoice) return null;
  const finalized = await finalizeDraft(tx, ctx, invoice);
  return finalized.status === 'open' ? finalized.id : null;
}
