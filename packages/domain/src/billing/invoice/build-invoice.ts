import type { Customer } from '../../customer/model.js';
import type { ServiceContext, StoreTx } from '../../ports.js';
import type { Invoice, LineItem, Plan, Subscription } from '../model.js';
import { priceTiers } from '../pricing.js';
import { prorate } from '../proration.js';
import { convertLines } from './convert-lines.js';

/** The period an invoice covers. */
export interface BillingWindow {
  start: Date;
  end: Date;
}

async function usageLines(
  tx: StoreTx,
  ctx: ServiceContext,
  plan: Plan,
  subscription: Subscription,
  window: BillingWindow,
): Promise<LineItem[]> {
  const lines: LineItem[] = [];
  for (const feature of plan.features) {
    const tiers = plan.pricing.tiers.filter((tier) => tier.featureKey === feature.key);
    if (tiers.length === 0 || feature.type === 'boolean') continue;
    const quantity =
      feature.type === 'seat'
        ? await tx.latestUsage(ctx.scope, subscription.customerId, feature.key, window.end)
        : await tx.sumUsage(
            ctx.scope,
            subscription.customerId,
            feature.key,
            window.start,
            window.end,
          );
    const amount = priceTiers(tiers, quantity);
    if (quantity === 0 && amount === 0) continue;
    lines.push({
      id: ctx.ids.newId('lineItem'),
      kind: 'usage',
      description: `${feature.name} × ${quantity}`,
      featureKey: feature.key,
      quantity,
      amount: { amount, currency: plan.currency },
      periodStart: window.start,
      periodEnd: window.end,
    });
  }
  return lines;
}

/**
 * Bills only the elapsed part of each time-based line when a period ends early: a line over
 * [start, end) keeps `(cutoff − start) / (end − start)` of its amount (half away from zero). Base
 * and proration lines are priced as rate × their span, so this charges each plan exactly for the
 * time it was in force, however many plan changes the period saw.
 */
function endEarly(lines: LineItem[], cutoff: Date | undefined): LineItem[] {
  if (!cutoff) return lines;
  return lines
    .map((line) => {
      const span = line.periodEnd.getTime() - line.periodStart.getTime();
      if (span <= 0 || cutoff >= line.periodEnd) return line;
      const used = Math.max(0, cutoff.getTime() - line.periodStart.getTime());
      return {
        ...line,
        description:
          line.kind === 'base'
            ? `${line.description}, until ${cutoff.toISOString().slice(0, 10)}`
            : line.description,
        amount: { ...line.amount, amount: prorate(line.amount.amount, used, span) },
        periodEnd: cutoff,
      };
    })
    .filter((line) => line.amount.amount !== 0);
}

/**
 * A draft invoice for one period of a subscription: the base price, usage priced by the plan's
 * tiers, and waiting proration lines; converted to the customer's currency and taxed once on the
 * subtotal. Sums add up by construction: lines = subtotal, total = subtotal + tax.
 */
export async function buildInvoice(
  tx: StoreTx,
  ctx: ServiceContext,
  input: {
    customer: Customer;
    plan: Plan;
    subscription: Subscription;
    window: BillingWindow;
    /** The period ends early here (pause, immediate cancel): only the elapsed part is billed. */
    cutoff?: Date | undefined;
  },
): Promise<Invoice> {
  const { customer, plan, subscription, window, cutoff } = input;
  const id = ctx.ids.newId('invoice');
  const waiting = await tx.takePendingLines(ctx.scope, subscription.id, id);
  const prorations = waiting.filter((line) => line.kind !== 'base');
  // A prorated plan change keeps the base line of the plan the period started on (change-plan.ts).
  const kept = waiting.find(
    (line) => line.kind === 'base' && line.periodStart.getTime() === window.start.getTime(),
  );
  const base: LineItem[] = kept
    ? [kept].filter((line) => line.amount.amount !== 0)
    : plan.pricing.baseAmount > 0
      ? [
          {
            id: ctx.ids.newId('lineItem'),
            kind: 'base',
            description: `${plan.name} (${plan.pricing.billingPeriod})`,
            featureKey: null,
            quantity: 1,
            amount: { amount: plan.pricing.baseAmount, currency: plan.currency },
            periodStart: window.start,
            periodEnd: window.end,
          },
        ]
      : [];
  const billed = cutoff ? { start: window.start, end: cutoff } : window;
  const usage = await usageLines(tx, ctx, plan, subscription, billed);
  const overrides = plan.currency === customer.currency ? null : await tx.getFxOverrides(ctx.scope);
  const { lines, subtotal, fx } = convertLines(
    [...endEarly([...base, ...prorations], cutoff), ...usage],
    plan.currency,
    customer.currency,
    ctx.fx.table(overrides),
  );
  const currency = customer.currency;
  const money = (amount: number) => ({ amount, currency });
  const tax = await ctx.tax.calculate({ scope: ctx.scope, subtotal: money(subtotal), customer });
  const total = subtotal + tax.amount.amount;
  const now = ctx.clock.now();
  return {
    id,
    number: null,
    customerId: customer.id,
    subscriptionId: subscription.id,
    status: 'draft',
    currency,
    lineItems: lines,
    subtotal: money(subtotal),
    tax,
    creditApplied: money(0),
    total: money(total),
    amountDue: money(total),
    amountPaid: money(0),
    fx,
    periodStart: billed.start,
    periodEnd: billed.end,
    dueDate: null,
    paidAt: null,
    voidedAt: null,
    collectionNote: null,
    attemptCount: 0,
    nextPaymentAttempt: null,
    chargeInFlightSince: null,
    createdAt: now,
    updatedAt: now,
  };
}
