import {
  AddPaymentMethodInput,
  addPaymentMethod,
  dataOutput,
  ListPaymentMethodsInput,
  listPaymentMethods,
  type PaymentMethod,
  RemovePaymentMethodInput,
  removePaymentMethod,
} from '@ledger/domain';
import { PROCESSOR_ERRORS } from '../errors-of.js';
import { operation } from '../operation.js';
import { PublicPaymentMethodSchema } from '../wire.js';

/** A payment method as REST shows it: the processor's own id stays inside. */
function shown({ processorId: _internal, ...method }: PaymentMethod) {
  return method;
}

/** A customer's payment methods. */
export const paymentMethodOperations = [
  operation({
    operationId: 'listPaymentMethods',
    method: 'get',
    path: '/customers/{id}/payment-methods',
    summary: 'List payment methods',
    tag: 'Payment methods',
    input: ListPaymentMethodsInput,
    from: 'none',
    pathParams: { id: 'customerId' },
    status: 200,
    output: dataOutput(PublicPaymentMethodSchema),
    errors: ['customer_not_found'],
    run: async (ctx, input) => {
      const { data } = await listPaymentMethods(ctx, input);
      return { data: data.map(shown) };
    },
  }),
  operation({
    operationId: 'addPaymentMethod',
    method: 'post',
    path: '/customers/{id}/payment-methods',
    summary: 'Add a payment method',
    description:
      'Attaches a card from a processor token (`tok_visa`, …) or an existing `pm_…`. `make_default` makes it the card charged when an invoice is finalized (the first card always is).',
    tag: 'Payment methods',
    input: AddPaymentMethodInput,
    from: 'body',
    pathParams: { id: 'customerId' },
    status: 201,
    output: PublicPaymentMethodSchema,
    errors: ['customer_not_found', 'customer_deleted', 'invalid_token', ...PROCESSOR_ERRORS],
    run: async (ctx, input) => shown(await addPaymentMethod(ctx, input)),
  }),
  operation({
    operationId: 'removePaymentMethod',
    method: 'delete',
    path: '/customers/{id}/payment-methods/{pm}',
    summary: 'Remove a payment method',
    description: 'Detaches the card at the processor; payment history keeps it.',
    tag: 'Payment methods',
    input: RemovePaymentMethodInput,
    from: 'none',
    pathParams: { id: 'customerId', pm: 'paymentMethodId' },
    status: 204,
    output: undefined,
    errors: ['customer_not_found', 'payment_method_not_found'],
    run: removePaymentMethod,
  }),
];
