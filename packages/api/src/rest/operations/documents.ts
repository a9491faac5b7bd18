import { InvoiceIdInput, invoiceDocument, receiptDocument } from '@ledger/domain';
import { businessOf } from '../../pdf/business.js';
import { invoicePdf } from '../../pdf/invoice-pdf.js';
import { receiptPdf } from '../../pdf/receipt-pdf.js';
import { fileOperation } from '../operation.js';

/**
 * Invoice and receipt PDFs: the same documents the portal offers, over the API. The issuer
 * printed at the top is the portal configuration's business (the scope's app id by default).
 */
export const documentOperations = [
  fileOperation({
    operationId: 'getInvoicePdf',
    method: 'get',
    path: '/invoices/{id}/pdf',
    summary: 'Download an invoice as PDF',
    description:
      'Finalized invoices only (`open`, `past_due`, `paid`, `void`); a draft is `400 invalid_state`.',
    tag: 'Invoices',
    input: InvoiceIdInput,
    from: 'none',
    pathParams: { id: 'id' },
    produces: 'application/pdf',
    errors: ['invoice_not_found', 'invalid_state'],
    run: async (ctx, input) => {
      const doc = await invoiceDocument(ctx, input, await businessOf(ctx));
      return { bytes: await invoicePdf(doc), filename: `invoice-${doc.invoice.number}.pdf` };
    },
  }),
  fileOperation({
    operationId: 'getReceiptPdf',
    method: 'get',
    path: '/invoices/{id}/receipt.pdf',
    summary: 'Download the receipt of a paid invoice as PDF',
    description:
      'Paid invoices only; any other status is `400 invalid_state`. The receipt number is `RCPT-` followed by the invoice number.',
    tag: 'Invoices',
    input: InvoiceIdInput,
    from: 'none',
    pathParams: { id: 'id' },
    produces: 'application/pdf',
    errors: ['invoice_not_found', 'invalid_state'],
    run: async (ctx, input) => {
      const doc = await receiptDocument(ctx, input, await businessOf(ctx));
      return { bytes: await receiptPdf(doc), filename: `receipt-${doc.invoice.number}.pdf` };
    },
  }),
];
