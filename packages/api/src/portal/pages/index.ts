import type { Hono } from 'hono';
import type { PortalEnv } from '../env.js';
import { billingDetailsPage } from './billing-details.js';
import { dataExportPage } from './data-export.js';
import { invoicePdfPages } from './invoice-pdfs.js';
import { invoicesPage } from './invoices.js';
import { overviewPage } from './overview.js';
import { payInvoicePage } from './pay-invoice.js';
import { paymentMethodsPage } from './payment-methods.js';
import { paymentsPage } from './payments.js';
import { subscriptionsPage } from './subscriptions.js';

/**
 * Every signed-in page of the portal, each registering its own routes (and answering 404 for
 * itself when its feature is off). Add a page here.
 */
export const PORTAL_PAGES: ReadonlyArray<(app: Hono<PortalEnv>) => void> = [
  overviewPage,
  invoicesPage,
  invoicePdfPages,
  payInvoicePage,
  paymentsPage,
  billingDetailsPage,
  paymentMethodsPage,
  subscriptionsPage,
  dataExportPage,
];
