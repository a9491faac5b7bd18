import { type Invoice, type InvoiceId, isId, listCustomerInvoices } from '@ledger/domain';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { PortalEnv, PortalState } from '../env.js';
import { day, money } from '../format.js';
import { invoiceHistoryOn, loadOwnInvoice, notFound } from '../invoice-access.js';
import { invoiceStatusInWords } from '../invoice-text.js';
import { page, tableWrap } from '../layout.js';
import { renderInvoice } from './invoice-detail.js';

/** Invoices per page of the list. */
const PAGE_SIZE = 25;

/**
 * One page of the customer's finalized invoices, newest first, starting after `after`: drafts
 * are not issued yet, so they are skipped (read on until the page is full); `next` is where
 * the following page starts, or null when this is the last one.
 */
async function finalizedInvoices(
  state: PortalState,
  after: InvoiceId | undefined,
): Promise<{ invoices: Invoice[]; next: InvoiceId | null }> {
  const found: Invoice[] = [];
  let cursor = after;
  for (;;) {
    const { data, pagination } = await listCustomerInvoices(state.services, {
      customerId: state.customer.id,
      limit: 100,
      ...(cursor ? { startingAfter: cursor } : {}),
    });
    found.push(...data.filter((invoice) => invoice.status !== 'draft'));
    if (found.length > PAGE_SIZE || !pagination.hasMore || !pagination.nextCursor) break;
    cursor = pagination.nextCursor as InvoiceId;
  }
  const invoices = found.slice(0, PAGE_SIZE);
  const last = invoices.at(-1);
  return { invoices, next: found.length > PAGE_SIZE && last ? last.id : null };
}

/**
 * `GET /portal/invoices` (the customer's issued invoices, newest first, each linking to its
 * page) and `GET /portal/invoices/:id` (one of them). Off with `invoice_history`: 404.
 */
export function invoicesPage(app: Hono<PortalEnv>): void {
  app.get('/invoices', async (c) => {
    const state = c.get('portal');
    if (!invoiceHistoryOn(state)) return notFound(c);
    const after = c.req.query('after');
    const start = after && isId('invoice', after) ? after : undefined;
    const { invoices, next } = await finalizedInvoices(state, start);
    return c.html(
      page(
        state,
        'Invoices',
        '/portal/invoices',
        invoices.length === 0
          ? html`<p>No invoices yet.</p>`
          : html`${tableWrap(
              'Invoices',
              html`<table>
  <thead><tr><th scope="col">Number</th><th scope="col">Date</th><th scope="col" class="num">Total</th><th scope="col">Status</th></tr></thead>
  <tbody>${invoices.map(
    (invoice) =>
      html`<tr><td><a href="/portal/invoices/${invoice.id}">${invoice.number ?? invoice.id}</a></td><td>${day(
        invoice.dueDate ?? invoice.createdAt,
      )}</td><td class="num">${money(invoice.total)}</td><td>${invoiceStatusInWords(invoice.status)}</td></tr>`,
  )}</tbody>
</table>`,
            )}
${start ? html`<p><a href="/portal/invoices">Newest invoices</a></p>` : ''}
${next ? html`<p><a href="/portal/invoices?after=${next}">Older invoices</a></p>` : ''}`,
      ),
    );
  });

  app.get('/invoices/:id', async (c) => {
    const state = c.get('portal');
    if (!invoiceHistoryOn(state)) return notFound(c);
    const invoice = await loadOwnInvoice(state, c.req.param('id'));
    if (!invoice) return notFound(c);
    const paid = c.req.query('done') === 'paid' && invoice.status === 'paid';
    return renderInvoice(c, invoice, paid ? { ok: `Paid: ${money(invoice.amountPaid)}` } : {});
  });
}
