import {
  type AddPaymentMethodInput,
  addPaymentMethod,
  listPaymentMethods,
  removePaymentMethod,
} from '@ledger/domain';
import { Hono } from 'hono';
import type { ApiDeps } from '../deps.js';
import type { AppEnv } from '../http/env.js';
import { toWire } from './casing.js';
import { readBody, services, withPathParams } from './request.js';

/** A payment method as REST shows it (REST.md): no processor ids, card details only. */
function render(method: Awaited<ReturnType<typeof addPaymentMethod>>) {
  const { processorId: _hidden, ...shown } = method;
  return toWire(shown);
}

/** `GET|POST /ledger/customers/{id}/payment-methods`, `DELETE …/payment-methods/{pm}`. */
export function paymentMethodRoutes(deps: ApiDeps) {
  return new Hono<AppEnv>()
    .get('/customers/:id/payment-methods', async (c) => {
      const { data } = await listPaymentMethods(services(c, deps), {
        customerId: c.req.param('id'),
      });
      return c.json({ data: data.map(render) });
    })
    .post('/customers/:id/payment-methods', async (c) => {
      const input = withPathParams<AddPaymentMethodInput>(await readBody(c), {
        customerId: c.req.param('id'),
      });
      return c.json(render(await addPaymentMethod(services(c, deps), input)), 201);
    })
    .delete('/customers/:id/payment-methods/:pm', async (c) => {
      await removePaymentMethod(services(c, deps), {
        customerId: c.req.param('id'),
        paymentMethodId: c.req.param('pm'),
      });
      return c.body(null, 204);
    });
}
