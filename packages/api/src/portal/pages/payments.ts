import { listPayments } from '@ledger/domain';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { PortalEnv } from '../env.js';
import { day, money } from '../format.js';
import { cardsOf, invoiceHistoryOn, notFound } from '../invoice-access.js';
import { cardInWords, failureInWords, paymentStatusInWords } from '../invoice-text.js';
import { page, tableWrap } from '../layout.js';

/** Payments per page of the history. */
const PAGE_SIZE = 50;

/** The page offset of `?offset=`: a whole multiple of the page size, else the first page. */
function offsetOf(raw: string | undefined): number {
  if (!raw || !/^\d{1,7}$/.test(raw)) return 0;
  const value = Number(raw);
  return value <= 1_000_000 && value % PAGE_SIZE === 0 ? value : 0;
}

/**
 * `GET /portal/payments`: every payment attempt of the customer, newest first, with amount,
 * date, card, status and the failure reason in the processor's words, each linking to its
 * invoice. Part of the invoice history feature: off, 404.
 */
export function paymentsPage(app: Hono<PortalEnv>): void {
  app.get('/payments', async (c) => {
    const state = c.get('portal');
    if (!invoiceHistoryOn(state)) return notFound(c);
    const offset = offsetOf(c.req.query('offset'));
    const { data, pagination } = await listPayments(state.services, {
      customerId: state.customer.id,
      limit: PAGE_SIZE,
      offset,
    });
    const payments = data.filter((p) => p.customerId === state.customer.id);
    const cards = await cardsOf(state, payments);
    return c.html(
      page(
        state,
        'Payment history',
        '/portal/payments',
        payments.length === 0
          ? html`<p>No payments yet.</p>`
          : html`${tableWrap(
              'Payment history',
              html`<table>
  <thead><tr><th scope="col">Date</th><th scope="col" class="num">Amount</th><th scope="col">Card</th><th scope="col">Status</th><th scope="col">Failure reason</th><th scope="col">Invoice</th></tr></thead>
  <tbody>${payments.map(
    (p) =>
      html`<tr><td>${day(p.createdAt)}</td><td class="num">${money(p.amount)}</td><td>${cardInWords(
        p.paymentMethodId ? cards.get(p.paymentMethodId) : undefined,
      )}</td><td>${paymentStatusInWords(p.status)}</td><td>${failureInWords(p)}</td><td><a href="/portal/invoices/${p.invoiceId}">View invoice</a></td></tr>`,
  )}</tbody>
</table>`,
            )}
${offset > 0 ? html`<p><a href="/portal/payments${offset > PAGE_SIZE ? `?offset=${offset - PAGE_SIZE}` : ''}">Newer payments</a></p>` : ''}
${pagination.hasMore ? html`<p><a href="/portal/payments?offset=${offset + PAGE_SIZE}">Older payments</a></p>` : ''}`,
      ),
    );
  });
}
