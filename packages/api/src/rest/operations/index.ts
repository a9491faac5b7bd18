import type { Operation } from '../operation.js';
import { billingOperations } from './billing.js';
import { customerExportOperations } from './customer-export.js';
import { customerOperations } from './customers.js';
import { documentOperations } from './documents.js';
import { eventOperations } from './events.js';
import { paymentMethodOperations } from './payment-methods.js';
import { portalOperations } from './portal.js';
import { taxFxOperations } from './tax-fx.js';
import { webhookEndpointOperations } from './webhook-endpoints.js';

/**
 * Every REST operation under `/ledger`, each declared once. The Hono routes, the OpenAPI
 * document and the isolation test's route list are all made from this list.
 */
export const OPERATIONS: readonly Operation[] = [
  ...customerOperations,
  ...customerExportOperations,
  ...paymentMethodOperations,
  ...billingOperations,
  ...documentOperations,
  ...taxFxOperations,
  ...eventOperations,
  ...webhookEndpointOperations,
  ...portalOperations,
];
