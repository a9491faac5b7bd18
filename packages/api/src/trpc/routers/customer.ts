import {
  type AddCreditInput,
  type AdjustBalanceInput,
  addCredit,
  adjustBalance,
  type CreateCustomerInput,
  type CustomerIdInput,
  createCustomer,
  type DeleteCustomerInput,
  deleteCustomer,
  type EraseCustomerInput,
  eraseCustomer,
  exportCustomer,
  type GetCustomerByEmailInput,
  type GetCustomerInput,
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
import { procedure, router, typed } from '../init.js';
import { paymentMethodRouter } from './payment-method.js';
import { customerPortalRouter } from './portal.js';
import { taxIdRouter } from './tax-fx.js';

/** `customer.*`: each procedure calls one verb with the caller's service context. */
export const customerRouter = router({
  portal: customerPortalRouter,
  create: procedure
    .input(typed<CreateCustomerInput>())
    .mutation(({ ctx, input }) => createCustomer(ctx.services, input)),
  get: procedure
    .input(typed<GetCustomerInput>())
    .query(({ ctx, input }) => getCustomer(ctx.services, input)),
  getByEmail: procedure
    .input(typed<GetCustomerByEmailInput>())
    .query(({ ctx, input }) => getCustomerByEmail(ctx.services, input)),
  update: procedure
    .input(typed<UpdateCustomerInput>())
    .mutation(({ ctx, input }) => updateCustomer(ctx.services, input)),
  delete: procedure
    .input(typed<DeleteCustomerInput>())
    .mutation(({ ctx, input }) => deleteCustomer(ctx.services, input)),
  erase: procedure
    .input(typed<EraseCustomerInput>())
    .mutation(({ ctx, input }) => eraseCustomer(ctx.services, input)),
  /**
   * The customer's data export as an async iterable of `{kind, data}` records (the customer
   * first, then each section in creation order), read page by page as the client iterates
   * (`httpBatchStreamLink`); a client that stops reading aborts `signal`, which stops the reads.
   * The customer is looked up before the first record, so another scope's is a plain 404.
   */
  export: procedure
    .input(typed<GetCustomerInput>())
    .query(async ({ ctx, input, signal }) =>
      (await exportCustomer(ctx.services, input)).records({ signal }),
    ),
  list: procedure
    .input(typed<ListCustomersInput | undefined>())
    .query(({ ctx, input }) => listCustomers(ctx.services, input)),
  addCredit: procedure
    .input(typed<AddCreditInput>())
    .mutation(({ ctx, input }) => addCredit(ctx.services, input)),
  adjustBalance: procedure
    .input(typed<AdjustBalanceInput>())
    .mutation(({ ctx, input }) => adjustBalance(ctx.services, input)),
  paymentMethods: paymentMethodRouter,
  taxIds: taxIdRouter,
  subscriptions: router({
    list: procedure
      .input(typed<ListCustomerSubscriptionsInput>())
      .query(({ ctx, input }) => listCustomerSubscriptions(ctx.services, input)),
  }),
  invoices: router({
    list: procedure
      .input(typed<ListCustomerInvoicesInput>())
      .query(({ ctx, input }) => listCustomerInvoices(ctx.services, input)),
  }),
  usage: procedure
    .input(typed<CustomerIdInput>())
    .query(({ ctx, input }) => getCustomerUsage(ctx.services, input)),
  balanceTransactions: router({
    list: procedure
      .input(typed<ListBalanceTransactionsInput>())
      .query(({ ctx, input }) => listBalanceTransactions(ctx.services, input)),
  }),
});
