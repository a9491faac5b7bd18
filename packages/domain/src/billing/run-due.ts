import type { ServiceContext, StoreTx } from '../ports.js';
import type { Scope } from '../scope.js';
import { type collectInvoice, collectQuietly } from './invoice/collect-invoice.js';
import { draftPeriodInvoice, findPeriodDraft } from './invoice/create-invoice.js';
import { finalizeDraft } from './invoice/finalize-invoice.js';
import { loadPlan } from './load.js';
import type { Invoice, InvoiceId, Subscription } from './model.js';
import { nextBoundary } from './periods.js';
import { saveSubscription } from './subscription/record.js';

/** The system context the billing job runs with; each claimed row brings its own scope. */
export type SystemContext = Omit<ServiceContext, 'scope'>;

/** What one `runDue` did, for logs and tests. */
export interface RunDueReport {
  trialsEnded: number;
  periodsBilled: number;
  canceled: number;
  /** Past-due invoices whose scheduled retry ran. */
  retried: number;
  invoices: Array<Awaited<ReturnType<typeof collectInvoice>>>;
}

/** Moves one due subscription forward by one step; returns an invoice to collect, if any. */
async function advance(
  tx: StoreTx,
  ctx: ServiceContext,
  subscription: Subscription,
  report: RunDueReport,
): Promise<InvoiceId | null> {
  const plan = await loadPlan(tx, ctx, subscription.planId, 'planId');
  const end = subscription.currentPeriodEnd;
  const ending = subscription.cancelAt !== null && subscription.cancelAt.getTime() <= end.getTime();
  let toCollect: InvoiceId | null = null;
  let type: 'subscription.trial_ended' | 'subscription.updated' | 'subscription.canceled' =
    'subscription.updated';

  if (subscription.status === 'trialing') {
    report.trialsEnded++;
    type = 'subscription.trial_ended';
  } else {
    const window = { start: subscription.currentPeriodStart, end };
    const draft =
      (await draftPeriodInvoice(tx, ctx, subscription, window)) ??
      (await findPeriodDraft(tx, ctx, subscription));
    if (draft) {
      const invoice = await finalizeDraft(tx, ctx, draft);
      report.periodsBilled++;
      if (invoice.status === 'open') toCollect = invoice.id;
    }
  }
  const now = ctx.clock.now();
  const next: Subscription = ending
    ? { ...subscription, status: 'canceled', endedAt: end, updatedAt: now }
    : {
        ...subscription,
        status: subscription.status === 'trialing' ? 'active' : subscription.status,
        currentPeriodStart: end,
        currentPeriodEnd: nextBoundary(subscription.billingAnchor, plan.pricing.billingPeriod, end),
        updatedAt: now,
      };
  if (ending) {
    report.canceled++;
    type = 'subscription.canceled';
  }
  await saveSubscription(tx, ctx, subscription, next, type);
  return toCollect;
}

/**
 * The billing job: ends trials, closes periods (invoice, apply balance, charge, roll the period)
 * and applies `cancelAt`, for every subscription due at `now`, until none is due (a subscription
 * several periods behind catches up one period per step), then retries the past-due invoices whose
 * next attempt is due. Claims use `FOR UPDATE SKIP LOCKED` and
 * each period's invoice is unique, so several workers can run it at once and no period is ever
 * billed twice. Charges run after the claiming transaction commits, `batchSize` steps at a time.
 */
export async function runDue(ctx: SystemContext, now: Date, batchSize = 25): Promise<RunDueReport> {
  const report: RunDueReport = {
    trialsEnded: 0,
    periodsBilled: 0,
    canceled: 0,
    retried: 0,
    invoices: [],
  };
  for (;;) {
    const toCollect: Array<{ scope: Scope; id: InvoiceId }> = [];
    let claimed = 0;
    // One subscription per transaction: a transaction holding the scope's invoice counter never
    // waits for another customer's row, so parallel workers cannot deadlock.
    while (claimed < batchSize) {
      const advanced = await ctx.store.transaction(async (tx) => {
        const [due] = await tx.claimDueSubscriptions(now, 1);
        if (!due) return false;
        const id = await advance(tx, { ...ctx, scope: due.scope }, due.subscription, report);
        if (id) toCollect.push({ scope: due.scope, id });
        return true;
      });
      if (!advanced) break;
      claimed++;
    }
    ctx.events.notify();
    for (const { scope, id } of toCollect) {
      const collection = await collectQuietly({ ...ctx, scope }, id);
      if (collection) report.invoices.push(collection);
    }
    // A short batch is not the end: a subscription several periods behind is due again.
    if (claimed === 0) break;
  }
  await retryPastDue(ctx, now, batchSize, report);
  return report;
}

/**
 * Retries the past-due invoices whose next attempt is due (`RETRY_SCHEDULE_DAYS`): claimed in one
 * transaction, charged after it commits. One invoice's failure (a processor outage) is logged and
 * does not keep the rest of the batch from being tried.
 */
async function retryPastDue(
  ctx: SystemContext,
  now: Date,
  batchSize: number,
  report: RunDueReport,
): Promise<void> {
  for (;;) {
    const claimed = await ctx.store.transaction((tx) => tx.claimInvoicesToRetry(now, batchSize));
    for (const { scope, invoiceId } of claimed) {
      report.retried++;
      const collection = await collectQuietly({ ...ctx, scope }, invoiceId);
      if (collection) report.invoices.push(collection);
    }
    ctx.events.notify();
    if (claimed.length < batchSize) return;
  }
}
