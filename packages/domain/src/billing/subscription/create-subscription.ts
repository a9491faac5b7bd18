import { loadLiveCustomer } from '../../customer/load-customer.js';
import { LedgerError } from '../../errors.js';
import { recordCustomerEvent } from '../../events/record-event.js';
import type { ServiceContext } from '../../ports.js';
import { mergeMetadata } from '../../schemas/metadata.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { loadPlan } from '../load.js';
import type { Subscription } from '../model.js';
import { addDays, addPeriod } from '../periods.js';
import { CreateSubscriptionInput } from '../schemas.js';

/**
 * Subscribes a customer to a plan. With trial days (from the request, else the plan) it starts
 * `trialing` and its first period is the trial; otherwise it starts `active` with a full billing
 * period. Archived plans take no new subscriptions (`plan_archived`).
 */
export async function createSubscription(
  ctx: ServiceContext,
  input: CreateSubscriptionInput,
): Promise<Subscription> {
  const data = parseInput(CreateSubscriptionInput, input);
  return inTransaction(ctx, async (tx) => {
    const customer = await loadLiveCustomer(tx, ctx, data.customerId, { param: 'customerId' });
    const plan = await loadPlan(tx, ctx, data.planId, 'planId');
    if (plan.status !== 'active') {
      throw new LedgerError('plan_archived', `Plan ${plan.id} is archived`, { param: ['planId'] });
    }
    if (plan.currency !== customer.currency) {
      // Refuse now what the billing job could never invoice: a pair the FX table cannot convert.
      const table = ctx.fx.table(await tx.getFxOverrides(ctx.scope));
      const quoted = (code: string) => code === table.base || code in table.quotes;
      if (!quoted(plan.currency) || !quoted(customer.currency)) {
        throw new LedgerError(
          'invalid_currency',
          `No FX rate converts ${plan.currency} to ${customer.currency}; set one with PUT /ledger/fx/rates`,
          { param: ['planId'], details: { from: plan.currency, to: customer.currency } },
        );
      }
    }
    const now = ctx.clock.now();
    const trialDays = data.trialDays ?? plan.trialDays;
    const trialEnd = trialDays > 0 ? addDays(now, trialDays) : null;
    const subscription: Subscription = {
      id: ctx.ids.newId('subscription'),
      customerId: customer.id,
      planId: plan.id,
      status: trialEnd ? 'trialing' : 'active',
      currentPeriodStart: now,
      currentPeriodEnd: trialEnd ?? addPeriod(now, plan.pricing.billingPeriod),
      billingAnchor: trialEnd ?? now,
      trialStart: trialEnd ? now : null,
      trialEnd,
      cancelAt: null,
      canceledAt: null,
      endedAt: null,
      pausedAt: null,
      metadata: mergeMetadata({}, data.metadata ?? {}),
      createdAt: now,
      updatedAt: now,
    };
    await tx.insertSubscription(ctx.scope, subscription);
    await recordCustomerEvent(tx, ctx, 'subscription.created', customer, subscription);
    return subscription;
  });
}
