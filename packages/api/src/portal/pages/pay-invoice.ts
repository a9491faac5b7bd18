import { type Invoice, isLedgerError, listPaymentMethods, payInvoice } from '@ledger/domain';
import type { Context, Hono } from 'hono';
import { ERROR_TABLE } from '../../errors/status-table.js';
import type { PortalEnv, PortalState } from '../env.js';
import { invoiceHistoryOn, loadOwnInvoice, notFound } from '../invoice-access.js';
import { isPayable, renderInvoice } from './invoice-detail.js';

/** Whether the customer has a live default card to pay with (checked before charging). */
async function hasDefaultCard(state: PortalState): Promise<boolean> {
  const { defaultPaymentMethod } = state.customer;
  if (!defaultPaymentMethod) return false;
  const { data } = await listPaymentMethods(state.services, { customerId: state.customer.id });
  return data.some((method) => method.id === defaultPaymentMethod);
}

/** The "Add a card first" refusal, linking to the payment methods page when it is on. */
function addACardFirst(c: Context<PortalEnv>, invoice: Invoice) {
  const { features } = c.get('portal').configuration;
  return renderInvoice(
    c,
    invoice,
    {
      error: 'Add a card first: there is no default card to pay with.',
      link: features.paymentMethodUpdate.enabled
        ? { href: '/portal/payment-methods', label: 'Add a card' }
        : null,
    },
    400,
  );
}

/**
 * `POST /portal/invoices/:id/pay` (Pay now): charges the default card through `payInvoice`, the
 * verb of `POST /ledger/invoices/{id}/pay`, so the same payment, invoice and subscription
 * records and the same events are written. Paid: 303 back with a flash. Declined: the invoice
 * page again, 402, with the processor's message (the failed attempt is recorded as the API
 * records it; nothing is charged). No default card: 400 "Add a card first". Off: 404.
 */
export function payInvoicePage(app: Hono<PortalEnv>): void {
  app.post('/invoices/:id/pay', async (c) => {
    const state = c.get('portal');
    if (!invoiceHistoryOn(state)) return notFound(c);
    const invoice = await loadOwnInvoice(state, c.req.param('id'));
    if (!invoice) return notFound(c);
    if (!isPayable(invoice)) {
      return renderInvoice(c, invoice, { error: 'This invoice is not owed any more.' }, 400);
    }
    if (!(await hasDefaultCard(state))) return addACardFirst(c, invoice);
    let after: Invoice;
    try {
      after = await payInvoice(state.services, { id: invoice.id });
    } catch (error) {
      if (!isLedgerError(error)) throw error;
      const status = ERROR_TABLE[error.code].status;
      const current = (await loadOwnInvoice(state, invoice.id)) ?? invoice;
      if (status === 402) {
        return renderInvoice(
          c,
          current,
          { error: `Your payment did not go through: ${error.message}` },
          402,
        );
      }
      if (status === 502 || status === 504) {
        return renderInvoice(
          c,
          current,
          {
            error:
              'The card processor did not answer. Check this page again in a few minutes before trying again.',
          },
          status,
        );
      }
      if (error.code === 'invalid_state') {
        return renderInvoice(c, current, { error: 'This invoice is not owed any more.' }, 409);
      }
      throw error;
    }
    if (after.status === 'paid') return c.redirect(`/portal/invoices/${after.id}?done=paid`, 303);
    if (after.collectionNote === 'no_payment_method') return addACardFirst(c, after);
    return renderInvoice(
      c,
      after,
      { error: 'Card payments are not available right now. Nothing was charged.' },
      503,
    );
  });
}
