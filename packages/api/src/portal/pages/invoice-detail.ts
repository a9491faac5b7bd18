import {
  type CardDetails,
  type Invoice,
  listPayments,
  type Money,
  type Payment,
} from '@ledger/domain';
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { PortalEnv, PortalState } from '../env.js';
import { day, money } from '../format.js';
import { cardsOf } from '../invoice-access.js';
import {
  cardInWords,
  failureInWords,
  fxNote,
  invoiceStatusInWords,
  paymentStatusInWords,
  taxInWords,
} from '../invoice-text.js';
import { csrfField, notice, page, tableWrap } from '../layout.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** What a Pay now attempt left to say on the page: a flash, or a refusal beside the button. */
export interface InvoiceNotice {
  ok?: string;
  /** The refusal in words, shown beside Pay now and announced. */
  error?: string;
  /** A way out of the refusal ("Add a card first" → the payment methods page). */
  link?: { href: string; label: string } | null;
}

// `0 - x`, not `-x`: no credit reads "$0.00", never "-$0.00".
const negate = (value: Money): Money => ({ ...value, amount: 0 - value.amount });

/** An invoice can be paid from the portal while it is owed: open or past due. */
export const isPayable = (invoice: Invoice): boolean =>
  invoice.status === 'open' || invoice.status === 'past_due';

function payForm(state: PortalState, invoice: Invoice, said: InvoiceNotice): Html {
  if (!isPayable(invoice)) return html``;
  const error = said.error
    ? html`<p id="pay-error" class="field-error" role="alert">${said.error}${
        said.link ? html` <a href="${said.link.href}">${said.link.label}</a>` : ''
      }</p>`
    : '';
  return html`<form method="post" action="/portal/invoices/${invoice.id}/pay">
  ${csrfField(state)}
  <button type="submit"${said.error ? html` aria-describedby="pay-error"` : ''}>Pay now ${money(invoice.amountDue)}</button>
  ${error}
</form>`;
}

function creditRow(invoice: Invoice): Html {
  const credit = invoice.creditApplied;
  // A negative credit is an earlier debt added to this invoice: shown as the amount it adds.
  return credit.amount < 0
    ? html`<tr><th scope="row">Earlier balance added</th><td class="num">${money(negate(credit))}</td></tr>`
    : html`<tr><th scope="row">Credit applied</th><td class="num">${money(negate(credit))}</td></tr>`;
}

function paymentRows(payments: readonly Payment[], cards: Map<string, CardDetails>): Html {
  if (payments.length === 0) return html`<p>No payments yet.</p>`;
  return tableWrap(
    'Payments of this invoice',
    html`<table>
  <caption class="muted">Payments of this invoice, newest first</caption>
  <thead><tr><th scope="col">Date</th><th scope="col" class="num">Amount</th><th scope="col">Card</th><th scope="col">Status</th><th scope="col">Failure reason</th></tr></thead>
  <tbody>${payments.map(
    (p) =>
      html`<tr><td>${day(p.createdAt)}</td><td class="num">${money(p.amount)}</td><td>${cardInWords(
        p.paymentMethodId ? cards.get(p.paymentMethodId) : undefined,
      )}</td><td>${paymentStatusInWords(p.status)}</td><td>${failureInWords(p)}</td></tr>`,
  )}</tbody>
</table>`,
  );
}

/**
 * `GET /portal/invoices/:id`'s page (and Pay now's answer when it did not go through): the
 * lines and every sum as the invoice records them, the tax wording, the FX note, its payments,
 * Pay now while it is owed, and its PDFs.
 */
export async function renderInvoice(
  c: Context<PortalEnv>,
  invoice: Invoice,
  said: InvoiceNotice = {},
  status: ContentfulStatusCode = 200,
) {
  const state = c.get('portal');
  const { data: payments } = await listPayments(state.services, {
    invoiceId: invoice.id,
    limit: 100,
  });
  const own = payments.filter((p) => p.customerId === state.customer.id);
  const cards = await cardsOf(state, own);
  const tax = taxInWords(invoice.tax);
  const title = `Invoice ${invoice.number ?? ''}`.trim();
  const base = `/portal/invoices/${invoice.id}`;
  return c.html(
    page(
      state,
      title,
      '/portal/invoices',
      html`${notice('ok', said.ok)}${isPayable(invoice) ? '' : notice('error', said.error)}
<p><a href="/portal/invoices">All invoices</a></p>
<section aria-labelledby="summary">
  <h2 id="summary">Summary</h2>
  <p>Status: <strong>${invoiceStatusInWords(invoice.status)}</strong></p>
  <p>Date: ${day(invoice.dueDate ?? invoice.createdAt)}<br>Period: ${day(invoice.periodStart)} to ${day(invoice.periodEnd)}</p>
  <p>Amount due: <strong>${money(invoice.amountDue)}</strong><br>Amount paid: ${money(invoice.amountPaid)}</p>
  ${payForm(state, invoice, said)}
  <ul>
    <li><a href="${base}/invoice.pdf">Download the invoice (PDF)</a></li>
    ${invoice.status === 'paid' ? html`<li><a href="${base}/receipt.pdf">Download the receipt (PDF)</a></li>` : ''}
  </ul>
</section>
<section aria-labelledby="lines">
  <h2 id="lines">Lines</h2>
  ${tableWrap(
    'Invoice lines',
    html`<table>
    <thead><tr><th scope="col">Description</th><th scope="col" class="num">Amount</th></tr></thead>
    <tbody>${invoice.lineItems.map(
      (line) =>
        html`<tr><td>${line.description}</td><td class="num">${money(line.amount)}</td></tr>`,
    )}</tbody>
    <tfoot>
      <tr><th scope="row">Subtotal</th><td class="num">${money(invoice.subtotal)}</td></tr>
      <tr><th scope="row">${tax.label}</th><td class="num">${money(invoice.tax.amount)}</td></tr>
      <tr><th scope="row">Total</th><td class="num">${money(invoice.total)}</td></tr>
      ${creditRow(invoice)}
      <tr><th scope="row">Amount due</th><td class="num">${money(invoice.amountDue)}</td></tr>
      <tr><th scope="row">Amount paid</th><td class="num">${money(invoice.amountPaid)}</td></tr>
    </tfoot>
  </table>`,
  )}
  ${tax.note ? html`<p class="tax-note">${tax.note}</p>` : ''}
  ${invoice.fx ? html`<p class="fx-note">${fxNote(invoice.fx, invoice.currency)}</p>` : ''}
</section>
<section aria-labelledby="payments">
  <h2 id="payments">Payments</h2>
  ${paymentRows(own, cards)}
</section>`,
    ),
    status,
  );
}
