import {
  type AddPaymentMethodInput,
  addPaymentMethod,
  type ListPaymentMethodsInput,
  listPaymentMethods,
  type RemovePaymentMethodInput,
  removePaymentMethod,
} from '@ledger/domain';
import { procedure, router, typed } from '../init.js';

/** `customer.paymentMethods.*`. */
export const paymentMethodRouter = router({
  add: procedure
    .input(typed<AddPaymentMethodInput>())
    .mutation(({ ctx, input }) => addPaymentMethod(ctx.services, input)),
  list: procedure
    .input(typed<ListPaymentMethodsInput>())
    .query(({ ctx, input }) => listPaymentMethods(ctx.services, input)),
  remove: procedure
    .input(typed<RemovePaymentMethodInput>())
    .mutation(({ ctx, input }) => removePaymentMethod(ctx.services, input)),
});
