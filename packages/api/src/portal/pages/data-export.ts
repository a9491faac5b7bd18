import type { Context, Hono } from 'hono';
import type { AppEnv } from '../../http/env.js';
import type { StreamAnswer } from '../../rest/operation.js';
import { customerExportOperations } from '../../rest/operations/customer-export.js';
import { sendStream } from '../../rest/stream.js';
import type { PortalEnv } from '../env.js';
import { notFound } from '../invoice-access.js';

const [exportOperation] = customerExportOperations;

/**
 * `GET /portal/export`, "Download my data": the customer's own export, the same streamed JSON
 * document as `GET /ledger/customers/{id}/export`, while `features.dataExport` is on.
 */
export function dataExportPage(app: Hono<PortalEnv>): void {
  app.get('/export', async (c) => {
    const state = c.get('portal');
    if (!state.configuration.features.dataExport.enabled || !exportOperation) return notFound(c);
    const answer = await exportOperation.run(state.services, { id: state.customer.id });
    // The streaming helper reads only the request and writes the body: the env's variables
    // (scope, key) that REST routes carry are not used by it.
    return sendStream(c as unknown as Context<AppEnv>, exportOperation, answer as StreamAnswer, {
      check: false,
      logger: state.services.logger,
    });
  });
}
