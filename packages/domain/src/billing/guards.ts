import type { BillingGuards } from '../ports.js';
import { LIVE_SUBSCRIPTION_STATUSES } from './model.js';

/**
 * The customer rules the billing core answers: a customer with a live subscription cannot be
 * deleted; one with an invoice or a subscription that has not ended cannot change currency.
 */
export const billingGuards: BillingGuards = {
  async hasActiveSubscriptions(tx, scope, customerId) {
    return (await tx.countSubscriptions(scope, customerId, LIVE_SUBSCRIPTION_STATUSES)) > 0;
  },
  async hasBillingHistory(tx, scope, customerId) {
    if ((await tx.countInvoices(scope, customerId)) > 0) return true;
    return (await tx.countSubscriptions(scope, customerId, LIVE_SUBSCRIPTION_STATUSES)) > 0;
  },
};
