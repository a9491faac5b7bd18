import {
  type CardDetails,
  getInvoice,
  type Invoice,
  isId,
  isLedgerError,
  listPaymentMethods,
  type Payment,
} from '@ledger/domain';
import type { Context } from 'hono';
import type { PortalEnv, PortalState } from './env.js';
import { errorPage } from './pages/error-page.js';

/** Invoices, their pages, Pay now and payment history exist only while this feature is on. */
export const invoiceHistoryOn = (state: PortalState): boolean =>
  state.configuration.features.invoiceHistory.enabled;

/** The portal's 404 page: the same for a page that is off, an unknown id and another's id. */
export const notFound = (c: Context<PortalEnv>) =>
  errorPage(c, 404, 'Not found', 'There is no such page in your billing portal.');

/**
 * This customer's finalized invoice with that id, or null: a malformed id, an unknown one,
 * another customer's and a draft (not issued yet) all read the same, so nothing is revealed.
 */
export async function loadOwnInvoice(state: PortalState, id: string): Promise<Invoice | null> {
  if (!isId('invoice', id)) return null;
  try {
    const invoice = await getInvoice(state.services, { id });
    if (invoice.customerId !== state.customer.id || invoice.status === 'draft') return null;
    return invoice;
  } catch (error) {
    if (isLedgerError(error, 'invoice_not_found')) return null;
    throw error;
  }
}

/**
 * The cards the customer's payments were made with, by payment method id: the live ones, plus
 * any removed since (kept for payment history), and only ever this customer's.
 */
export async function cardsOf(
  state: PortalState,
  payments: readonly Payment[],
): Promise<Map<string, CardDetails>> {
  const { services, customer } = state;
  const { data: live } = await listPaymentMethods(services, { customerId: customer.id });
  const cards = new Map<string, CardDetails>(live.map((method) => [method.id, method.card]));
  const missing = new Set(
    payments.flatMap(({ paymentMethodId: id }) => (id && !cards.has(id) ? [id] : [])),
  );
  for (const id of missing) {
    if (!isId('paymentMethod', id)) continue;
    const method = await services.store.getPaymentMethod(services.scope, id);
    if (method && method.customerId === customer.id) cards.set(id, method.card);
  }
  return cards;
}
