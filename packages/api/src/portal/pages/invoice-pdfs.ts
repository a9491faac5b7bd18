import { invoiceDocument, receiptDocument } from '@ledger/domain';
import type { Context, Hono } from 'hono';
import { businessOf } from '../../pdf/business.js';
import { invoicePdf } from '../../pdf/invoice-pdf.js';
import { receiptPdf } from '../../pdf/receipt-pdf.js';
import type { PortalEnv } from '../env.js';
import { invoiceHistoryOn, loadOwnInvoice, notFound } from '../invoice-access.js';

function pdf(c: Context<PortalEnv>, bytes: Uint8Array, filename: string) {
  c.header('Content-Type', 'application/pdf');
  c.header('Content-Disposition', `attachment; filename="${filename}"`);
  return c.body(bytes as Uint8Array<ArrayBuffer>);
}

/**
 * `GET /portal/invoices/:id/invoice.pdf` (any issued invoice of this customer) and
 * `…/receipt.pdf` (paid ones): the same documents as the API's, issued by the configured
 * business. Another customer's invoice, a draft, or a receipt of an unpaid invoice is a 404.
 */
export function invoicePdfPages(app: Hono<PortalEnv>): void {
  app.get('/invoices/:id/invoice.pdf', async (c) => {
    const state = c.get('portal');
    const invoice = invoiceHistoryOn(state) ? await loadOwnInvoice(state, c.req.param('id')) : null;
    if (!invoice) return notFound(c);
    const doc = await invoiceDocument(
      state.services,
      { id: invoice.id },
      await businessOf(state.services),
    );
    return pdf(c, await invoicePdf(doc), `invoice-${doc.invoice.number}.pdf`);
  });
  app.get('/invoices/:id/receipt.pdf', async (c) => {
    const state = c.get('portal');
    const invoice = invoiceHistoryOn(state) ? await loadOwnInvoice(state, c.req.param('id')) : null;
    if (invoice?.status !== 'paid') return notFound(c);
    const doc = await receiptDocument(
      state.services,
      { id: invoice.id },
      await businessOf(state.services),
    );
    return pdf(c, await receiptPdf(doc), `receipt-${doc.invoice.number}.pdf`);
  });
}
