import {
  CustomerExportSchema,
  EXPORT_SECTIONS,
  exportCustomer,
  GetCustomerInput,
} from '@ledger/domain';
import { streamOperation } from '../operation.js';

/**
 * The customer's data export (GDPR Art. 15 and 20, PRIVACY.md): one JSON document streamed as
 * it is read, or NDJSON records. The customer is looked up first, so another scope's customer
 * is a plain `404 customer_not_found` before anything is streamed.
 */
export const customerExportOperations = [
  streamOperation({
    operationId: 'exportCustomer',
    method: 'get',
    path: '/customers/{id}/export',
    summary: 'Export everything Ledger keeps about a customer',
    description:
      'One JSON document (`format_version`, `exported_at`, `customer`, then every section in creation order), saved as `<id>-export.json`; with `Accept: application/x-ndjson` one `{"kind", "data"}` record a line, the customer first. Streamed: written as it is read. Deleted customers can be exported.',
    tag: 'Customers',
    input: GetCustomerInput,
    from: 'none',
    pathParams: { id: 'id' },
    output: CustomerExportSchema,
    streamed: { sections: EXPORT_SECTIONS },
    errors: ['customer_not_found'],
    run: async (ctx, input) => {
      const exported = await exportCustomer(ctx, input);
      return {
        filename: `${exported.customer.id}-export.json`,
        head: { formatVersion: exported.formatVersion, exportedAt: exported.exportedAt },
        records: (signal) => exported.records({ signal }),
      };
    },
  }),
];
