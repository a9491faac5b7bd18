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
import { pathInput, readBody, services } from './request.js';

/** A payment method as REST shows it (REST.md): no processor ids, card details only. */
function render(method: Awaited<ReturnType<typeof addPaymentMethod>>) {
  const { processorId: _hidden, ...shown } = method;
  return toWire(shown);
}

/** `GET|POST /ledger/customers/{id}/payment-methods`, `DELETE …/payment-methods/{pm}`. */
export function paymentMethodRoutes(deps: ApiDeps) {
  return new Hono<AppEnv>()
    .get('/customers/:id/payment-methods', async (c) => {
      const { data } = await listPaymentMethods(
        services(c, deps),
        pathInput(c, {}, { customerId: 'id' }),
      );
      return c.json({ data: data.map(render) });
    })
    .post('/customers/:id/payment-methods', async (c) => {
      const input = pathInput<AddPaymentMethodInput>(c, await readBody(c), { customerId: 'id' });
      return c.json(render(await addPaymentMethod(services(c, deps), input)), 201);
    })
    .delete('/customers/:id/payment-methods/:pm', async (c) => {
      await removePaymentMethod(
        services(c, deps),
        pathInput(c, {}, { customerId: 'id', paymentMethodId: 'pm' }),
      );
      return c.body(null, 204);
    });
}
