import { LedgerError } from '../errors.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import type { FinalizedInvoice } from './documents.js';
import type {
  Invoice,
  InvoiceId,
  InvoiceStatus,
  Plan,
  PlanId,
  Subscription,
  SubscriptionId,
} from './model.js';

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

/** The statuses of a finalized invoice: it has a number and its amounts no longer change. */
export const FINALIZED_INVOICE_STATUSES: readonly InvoiceStatus[] = [
  'open',
  'past_due',
  'paid',
  'void',
];

/**
 * The invoice of this scope when it is finalized; a draft (or a draft voided before it got a
 * number) is `invalid_state` on `id`: it has no number and its amounts may still change.
 */
export async function loadFinalizedInvoice(
  tx: StoreTx,
  ctx: ServiceContext,
  id: InvoiceId,
): Promise<FinalizedInvoice> {
  const invoice = await loadInvoice(tx, ctx, id);
  const { number, status } = invoice;
  if (number === null || !FINALIZED_INVOICE_STATUSES.includes(status)) {
    throw new LedgerError(
      'invalid_state',
      `Invoice ${id} is not finalized (status "${status}"): only a finalized invoice has a PDF`,
      { param: ['id'], details: { status, allowed: FINALIZED_INVOICE_STATUSES } },
    );
  }
  return { ...invoice, number };
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
