import {
  type AddCreditInput,
  addCredit,
  type CreateCustomerInput,
  createCustomer,
  deleteCustomer,
  getCustomer,
  getCustomerByEmail,
  getCustomerUsage,
  type ListBalanceTransactionsInput,
  type ListCustomerInvoicesInput,
  type ListCustomerSubscriptionsInput,
  type ListCustomersInput,
  listBalanceTransactions,
  listCustomerInvoices,
  listCustomerSubscriptions,
  listCustomers,
  type UpdateCustomerInput,
  updateCustomer,
} from '@ledger/domain';
import { Hono } from 'hono';
import type { ApiDeps } from '../deps.js';
import type { AppEnv } from '../http/env.js';
import { toWire } from './casing.js';
import { pathInput, readBody, readQuery, services, withPathParams } from './request.js';

/** The seed's customer routes plus the balance journal, under `/ledger`. */
export function customerRoutes(deps: ApiDeps) {
  return new Hono<AppEnv>()
    .post('/customers', async (c) => {
      const customer = await createCustomer(
        services(c, deps),
        await readBody<CreateCustomerInput>(c),
      );
      return c.json(toWire(customer), 201);
    })
    .get('/customers', async (c) => {
      return c.json(
        toWire(await listCustomers(services(c, deps), readQuery<ListCustomersInput>(c))),
      );
    })
    .get('/customers/email/:email', async (c) => {
      const customer = await getCustomerByEmail(services(c, deps), { email: c.req.param('email') });
      return c.json(toWire(customer));
    })
    .get('/customers/:id', async (c) => {
      return c.json(toWire(await getCustomer(services(c, deps), { id: c.req.param('id') })));
    })
    .put('/customers/:id', async (c) => {
      const input = withPathParams<UpdateCustomerInput>(await readBody(c), {
        id: c.req.param('id'),
      });
      return c.json(toWire(await updateCustomer(services(c, deps), input)));
    })
    .delete('/customers/:id', async (c) => {
      await deleteCustomer(services(c, deps), { id: c.req.param('id') });
      return c.body(null, 204);
    })
    .post('/customers/:id/credit', async (c) => {
      const input = pathInput<AddCreditInput>(c, await readBody(c), { customerId: 'id' });
      return c.json(toWire(await addCredit(services(c, deps), input)));
    })
    .get('/customers/:id/subscriptions', async (c) => {
      const input = pathInput<ListCustomerSubscriptionsInput>(c, readQuery(c), {
        customerId: 'id',
      });
      return c.json(toWire(await listCustomerSubscriptions(services(c, deps), input)));
    })
    .get('/customers/:id/invoices', async (c) => {
      const input = pathInput<ListCustomerInvoicesInput>(c, readQuery(c), { customerId: 'id' });
      return c.json(toWire(await listCustomerInvoices(services(c, deps), input)));
    })
    .get('/customers/:id/usage', async (c) => {
      return c.json(
        toWire(await getCustomerUsage(services(c, deps), pathInput(c, {}, { customerId: 'id' }))),
      );
    })
    .get('/customers/:id/balance-transactions', async (c) => {
      const input = pathInput<ListBalanceTransactionsInput>(c, readQuery(c), { customerId: 'id' });
      return c.json(toWire(await listBalanceTransactions(services(c, deps), input)));
    });
}
