import {
  type GetTaxRateInput,
  getFxRates,
  getTaxRate,
  type SetFxRatesInput,
  setFxRates,
  verifyTaxIds,
} from '@ledger/domain';
import { Hono } from 'hono';
import type { ApiDeps } from '../deps.js';
import type { AppEnv } from '../http/env.js';
import { toWire } from './casing.js';
import { pathInput, readBody, readQuery, services } from './request.js';

/** `GET /ledger/tax/rate`, `GET|PUT /ledger/fx/rates`, `POST /ledger/customers/{id}/tax-ids/verify`. */
export function taxFxRoutes(deps: ApiDeps) {
  return new Hono<AppEnv>()
    .get('/tax/rate', async (c) =>
      c.json(toWire(await getTaxRate(services(c, deps), readQuery<GetTaxRateInput>(c)))),
    )
    .get('/fx/rates', async (c) => c.json(toWire(await getFxRates(services(c, deps)))))
    .put('/fx/rates', async (c) =>
      c.json(toWire(await setFxRates(services(c, deps), await readBody<SetFxRatesInput>(c)))),
    )
    .post('/customers/:id/tax-ids/verify', async (c) => {
      await readBody(c);
      return c.json(
        toWire(await verifyTaxIds(services(c, deps), pathInput(c, {}, { customerId: 'id' }))),
      );
    });
}
