import { isLedgerError } from '../errors.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import type { Scope } from '../scope.js';
import { collectInvoice } from './invoice/collect-invoice.js';
import { draftPeriodInvoice } from './invoice/create-invoice.js';
import { finalizeDraft } from './invoice/finalize-invoice.js';
import { loadPlan } from './load.js';
import type { Invoice, InvoiceId, Subscription } from './model.js';
import { addPeriod } from './periods.js';
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

async function findPeriodDraft(
  tx: StoreTx,
  ctx: ServiceContext,
  subscription: Subscription,
): Promise<Invoice | null> {
  const drafts = await tx.listCustomerInvoices(ctx.scope, subscription.customerId, {
    status: 'draft',
    limit: 100,
    offset: 0,
  });
  return (
    drafts.rows.find(
      (inv) =>
        inv.subscriptionId === subscription.id &&
        inv.periodStart.getTime() === subscription.currentPeriodStart.getTime(),
    ) ?? null
  );
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
        currentPeriodEnd: addPeriod(end, plan.pricing.billingPeriod),
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
 * several periods behind catches up one period per step). Claims use `FOR UPDATE SKIP LOCKED` and
 * each period's invoice is unique, so several workers can run it at once and no period is ever
 * billed twice. Charges run after the claiming transaction commits.
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
    const claimed = await ctx.store.transaction(async (tx) => {
      const due = await tx.claimDueSubscriptions(now, batchSize);
      for (const { scope, subscription } of due) {
        const id = await advance(tx, { ...ctx, scope }, subscription, report);
        if (id) toCollect.push({ scope, id });
      }
      return due.length;
    });
    ctx.events.notify();
    for (const { scope, id } of toCollect)
      report.invoices.push(await collectInvoice({ ...ctx, scope }, id));
    if (claimed < batchSize) return report;
  }
}
