import { LedgerError } from '../errors.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import type { Invoice, InvoiceId, Plan, PlanId, Subscription, SubscriptionId } from './model.js';

/** The plan of this scope, or `plan_not_found` naming `param`. */
export async function loadPlan(
  tx: StoreTx,
  ctx: ServiceContext,
  id: PlanId,
  param = 'id',
): Promise<Plan> {
  const plan = await tx.getPlan(ctx.scope, id);
  if (!plan) throw new LedgerError('plan_not_found', `No plan ${id}`, { param: [param] });
  return plan;
}

/** The subscription of this scope, or `subscription_not_found` naming `param`. */
export async function loadSubscription(
  tx: StoreTx,
  ctx: ServiceContext,
  id: SubscriptionId,
  options: { forUpdate?: boolean; param?: string } = {},
): Promise<Subscription> {
  const subscription = await tx.getSubscription(ctx.scope, id, {
    forUpdate: options.forUpdate ?? false,
  });
  if (!subscription) {
    throw new LedgerError('subscription_not_found', `No subscription ${id}`, {
      param: [options.param ?? 'id'],
    });
  }
  return subscription;
}

/** The invoice of this scope, or `invoice_not_found`. */
export async function loadInvoice(
  tx: StoreTx,
  ctx: ServiceContext,
  id: InvoiceId,
  options: { forUpdate?: boolean } = {},
): Promise<Invoice> {
  const invoice = await tx.getInvoice(ctx.scope, id, { forUpdate: options.forUpdate ?? false });
  if (!invoice) throw new LedgerError('invoice_not_found', `No invoice ${id}`, { param: ['id'] });
  return invoice;
}

/** Refuses an operation in the wrong lifecycle state with `invalid_state`. */
export function assertState<S extends string>(
  current: S,
  allowed: readonly S[],
  what: string,
): void {
  if (!allowed.includes(current)) {
    throw new LedgerError(
      'invalid_state',
      `Cannot ${what} in status "${current}" (allowed: ${allowed.join(', ')})`,
      {
        details: { status: current, allowed },
      },
    );
  }
}
