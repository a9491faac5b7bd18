import type { ServiceContext, StoreTx } from '../ports.js';
import type { Scope } from '../scope.js';
import { type Collection, collectQuietly } from './invoice/collect-invoice.js';
import { periodInvoice } from './invoice/create-invoice.js';
import { finalizeDraft } from './invoice/finalize-invoice.js';
import { refundQuietly } from './invoice/refund-payment.js';
import { loadPlan } from './load.js';
import type { InvoiceId, Subscription } from './model.js';
import { nextBoundary } from './periods.js';
import { saveSubscription } from './subscription/record.js';

/** The system context the billing job runs with; each claimed row brings its own scope. */
export type SystemContext = Omit<ServiceContext, 'scope'>;

/** What one `runDue` did, for logs and tests. */
export interface RunDueReport {
  trialsEnded: number;
  periodsBilled: number;
  canceled: number;
  /** Past-due (or never collected) invoices whose scheduled attempt ran. */
  retried: number;
  /** Payments for invoices no longer owed that were refunded through the processor. */
  refunded: number;
  /** Subscriptions that could not advance (logged; the others went on). */
  failed: number;
  invoices: Collection[];
}

/** How a `runDue` is run: the size of its retry batches, and when to stop early. */
export interface RunDueOptions {
  batchSize?: number;
  /**
   * Aborted when the process is stopping: the run ends at its next safe point, between two
   * subscriptions' steps (each one transaction) or two collection attempts, and what is still
   * due is left for the next run (a claimed retry after its lease).
   */
  signal?: AbortSignal;
}

/** How long a claimed retry is reserved: a crashed attempt is tried again after it. */
export const RETRY_LEASE_MS = 10 * 60 * 1000;

/** What one step did to one subscription. */
interface Step {
  trialEnded: boolean;
  billed: boolean;
  canceled: boolean;
  toCollect: InvoiceId | null;
}

/** Moves one due subscription forward by one period (or ends its trial, or ends it). */
async function advance(
  tx: StoreTx,
  ctx: ServiceContext,
  subscription: Subscription,
): Promise<Step> {
  const plan = await loadPlan(tx, ctx, subscription.planId, 'planId');
  const end = subscription.currentPeriodEnd;
  const ending = subscription.cancelAt !== null && subscription.cancelAt.getTime() <= end.getTime();
  const trialEnded = subscription.status === 'trialing';
  let billed = false;
  let toCollect: InvoiceId | null = null;
  if (!trialEnded) {
    const draft = await periodInvoice(tx, ctx, subscription, {
      start: subscription.currentPeriodStart,
      end,
    });
    if (draft) {
      const invoice = await finalizeDraft(tx, ctx, draft);
      billed = true;
      if (invoice.status === 'open') toCollect = invoice.id;
    }
  }
  const now = ctx.clock.now();
  const next: Subscription = ending
    ? { ...subscription, status: 'canceled', endedAt: end, updatedAt: now }
    : {
        ...subscription,
        status: trialEnded ? 'active' : subscription.status,
        currentPeriodStart: end,
        currentPeriodEnd: nextBoundary(subscription.billingAnchor, plan.pricing.billingPeriod, end),
        updatedAt: now,
      };
  const type = ending
    ? 'subscription.canceled'
    : trialEnded
      ? 'subscription.trial_ended'
      : 'subscription.updated';
  await saveSubscription(tx, ctx, subscription, next, type);
  return { trialEnded, billed, canceled: ending, toCollect };
}

async function collectInto(ctx: SystemContext, scope: Scope, id: InvoiceId, report: RunDueReport) {
  const collection = await collectQuietly({ ...ctx, scope }, id);
  if (collection) report.invoices.push(collection);
}

/**
 * The billing job: ends trials, closes periods (invoice, apply balance, charge, roll the period)
 * and applies `cancelAt` for every subscription due at `now`, until none is due (a subscription
 * several periods behind catches up one period per step), then runs the collection attempts that
 * are due. Each step is one transaction over one claimed subscription (`FOR UPDATE SKIP LOCKED`;
 * each period's invoice is unique), so several workers can run it at once and no period is ever
 * billed twice. A subscription that cannot advance is logged and skipped for this run, so it never
 * holds up the others. Charges run after the step commits; the report counts committed steps only.
 * Last, refunds still due (money taken for invoices no longer owed, whose refund the processor
 * failed, or whose process died before making it) are made.
 */
export async function runDue(
  ctx: SystemContext,
  now: Date,
  { batchSize = 25, signal }: RunDueOptions = {},
): Promise<RunDueReport> {
  const report: RunDueReport = {
    trialsEnded: 0,
    periodsBilled: 0,
    canceled: 0,
    retried: 0,
    refunded: 0,
    failed: 0,
    invoices: [],
  };
  const skip: string[] = [];
  while (!signal?.aborted) {
    let claimed: { scope: Scope; subscription: Subscription } | undefined;
    let step: Step | null = null;
    try {
      step = await ctx.store.transaction(async (tx) => {
        [claimed] = await tx.claimDueSubscriptions(now, 1, skip);
        return claimed ? advance(tx, { ...ctx, scope: claimed.scope }, claimed.subscription) : null;
      });
    } catch (error) {
      if (!claimed) throw error;
      skip.push(claimed.subscription.id);
      report.failed++;
      ctx.logger.error('billing a subscription failed; it is skipped for this run', {
        subscriptionId: claimed.subscription.id,
        tenantId: claimed.scope.tenantId,
        appId: claimed.scope.appId,
        error,
      });
      continue;
    }
    if (!step || !claimed) break;
    ctx.events.notify();
    if (step.trialEnded) report.trialsEnded++;
    if (step.billed) report.periodsBilled++;
    if (step.canceled) report.canceled++;
    if (step.toCollect) await collectInto(ctx, claimed.scope, step.toCollect, report);
  }
  while (!signal?.aborted) {
    const leaseUntil = new Date(now.getTime() + RETRY_LEASE_MS);
    const due = await ctx.store.transaction((tx) =>
      tx.claimInvoicesToRetry(now, leaseUntil, batchSize),
    );
    for (const { scope, invoiceId } of due) {
      if (signal?.aborted) break;
      report.retried++;
      await collectInto(ctx, scope, invoiceId, report);
    }
    ctx.events.notify();
    if (due.length < batchSize) break;
  }
  while (!signal?.aborted) {
    const leaseUntil = new Date(now.getTime() + RETRY_LEASE_MS);
    const due = await ctx.store.transaction((tx) => tx.claimRefundsDue(now, leaseUntil, batchSize));
    for (const { scope, payment } of due) {
      if (signal?.aborted) break;
      if (await refundQuietly({ ...ctx, scope }, payment)) report.refunded++;
    }
    if (due.length < batchSize) break;
  }
  return report;
}
