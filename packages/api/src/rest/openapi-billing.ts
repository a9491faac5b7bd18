import {
  AddPaymentMethodInput,
  CancelSubscriptionInput,
  ChangePlanInput,
  CheckEntitlementInput,
  CreateInvoiceInput,
  CreatePlanInput,
  CreateSubscriptionInput,
  FxRatesOverrideSchema,
  GetTaxRateInput,
  ListCustomerInvoicesInput,
  ListCustomerSubscriptionsInput,
  ListPaymentsInput,
  ListPlansInput,
  RecordUsageBatchInput,
  UpdatePlanInput,
  UsageEventInput,
  VoidInvoiceInput,
} from '@ledger/domain';
import { z } from 'zod';
import {
  dataObject,
  EntitlementObject,
  FxRatesObject,
  InvoiceObject,
  PaymentMethodObject,
  PaymentObject,
  PlanObject,
  SubscriptionObject,
  TaxRateObject,
  UsageObject,
} from './billing-wire-schemas.js';
import { type JsonSchema, json, operation, queryParameters, withId } from './openapi-helpers.js';
import { CustomerObject, listObject } from './wire-schemas.js';

function ok(description: string, schema: z.ZodType, status = 200) {
  return { [status]: { description, ...json(schema) } };
}

function body(schema: z.ZodType): JsonSchema {
  return { requestBody: { required: true, ...json(schema, 'input') } };
}

/** The path id comes from the URL, so it is not part of the documented body or query. */
function without<S extends z.ZodObject>(schema: S, key: string): z.ZodObject {
  return z.object(schema.shape).omit({ [key]: true } as never);
}

/** The billing and payment-method paths of the REST shim (REST.md "Billing routes"). */
export function billingPaths(): Record<string, JsonSchema> {
  const plan = ok('Plan', PlanObject);
  const subscription = ok('Subscription', SubscriptionObject);
  const invoice = ok('Invoice', InvoiceObject);
  return {
    '/ledger/customers/{id}/subscriptions': {
      get: operation(
        'List a customer’s subscriptions',
        ok('Subscriptions', dataObject(SubscriptionObject)),
        withId({
          parameters: queryParameters(without(ListCustomerSubscriptionsInput, 'customerId')),
        }),
      ),
    },
    '/ledger/customers/{id}/invoices': {
      get: operation(
        'List a customer’s invoices',
        ok('Page of invoices', listObject(InvoiceObject)),
        withId({
          parameters: queryParameters(without(ListCustomerInvoicesInput, 'customerId')),
        }),
      ),
    },
    '/ledger/customers/{id}/usage': {
      get: operation('Current-period usage', ok('Usage', UsageObject), withId()),
    },
    '/ledger/customers/{id}/payment-methods': {
      get: operation(
        'List payment methods',
        ok('Payment methods', dataObject(PaymentMethodObject)),
        withId(),
      ),
      post: operation(
        'Add a payment method',
        ok('Payment method', PaymentMethodObject, 201),
        withId(body(without(AddPaymentMethodInput, 'customerId'))),
      ),
    },
    '/ledger/customers/{id}/payment-methods/{pm}': {
      delete: operation(
        'Remove a payment method',
        { 204: { description: 'Removed' } },
        withId({
          parameters: [{ name: 'pm', in: 'path', required: true, schema: { type: 'string' } }],
        }),
      ),
    },
    '/ledger/plans': {
      post: operation('Create a plan', ok('Plan', PlanObject, 201), body(CreatePlanInput)),
      get: operation('List plans', ok('Plans', dataObject(PlanObject)), {
        parameters: queryParameters(ListPlansInput),
      }),
    },
    '/ledger/plans/{id}': {
      get: operation('Get a plan', plan, withId()),
      put: operation(
        'Update or archive a plan',
        plan,
        withId(body(without(UpdatePlanInput, 'id'))),
      ),
    },
    '/ledger/subscriptions': {
      post: operation(
        'Create a subscription',
        ok('Subscription', SubscriptionObject, 201),
        body(CreateSubscriptionInput),
      ),
    },
    '/ledger/subscriptions/{id}': { get: operation('Get a subscription', subscription, withId()) },
    '/ledger/subscriptions/{id}/cancel': {
      post: operation(
        'Cancel a subscription',
        subscription,
        withId(body(without(CancelSubscriptionInput, 'id'))),
      ),
    },
    '/ledger/subscriptions/{id}/pause': {
      post: operation('Pause a subscription', subscription, withId()),
    },
    '/ledger/subscriptions/{id}/resume': {
      post: operation('Resume a subscription', subscription, withId()),
    },
    '/ledger/subscriptions/{id}/change-plan': {
      post: operation(
        'Change plan (with proration)',
        subscription,
        withId(body(without(ChangePlanInput, 'id'))),
      ),
    },
    '/ledger/meter/events': {
      post: operation(
        'Report usage',
        ok('Accepted', z.object({ id: z.string(), duplicate: z.boolean() }), 202),
        body(UsageEventInput),
      ),
    },
    '/ledger/meter/events/batch': {
      post: operation(
        'Report usage in a batch (all or none)',
        ok('Accepted', z.object({ accepted: z.number().int(), duplicates: z.number().int() }), 202),
        body(RecordUsageBatchInput),
      ),
    },
    '/ledger/entitlements/check': {
      post: operation(
        'Check an entitlement',
        ok('Answer', EntitlementObject),
        body(CheckEntitlementInput),
      ),
    },
    '/ledger/invoices': {
      post: operation(
        'Draft an invoice for the current period',
        ok('Invoice', InvoiceObject, 201),
        body(CreateInvoiceInput),
      ),
    },
    '/ledger/invoices/{id}': { get: operation('Get an invoice', invoice, withId()) },
    '/ledger/invoices/{id}/finalize': { post: operation('Finalize and charge', invoice, withId()) },
    '/ledger/invoices/{id}/pay': { post: operation('Retry the charge', invoice, withId()) },
    '/ledger/invoices/{id}/void': {
      post: operation('Void an invoice', invoice, withId(body(without(VoidInvoiceInput, 'id')))),
    },
    '/ledger/customers/{id}/tax-ids/verify': {
      post: operation(
        'Verify the customer’s tax ids with the configured verifier',
        ok('Customer', CustomerObject),
        withId(),
      ),
    },
    '/ledger/tax/rate': {
      get: operation('Tax rate of a place', ok('Rate', TaxRateObject), {
        parameters: queryParameters(GetTaxRateInput),
      }),
    },
    '/ledger/fx/rates': {
      get: operation(
        'FX rates in force (reference plus your overrides)',
        ok('Rates', FxRatesObject),
      ),
      put: operation(
        'Set your FX rate overrides',
        ok('Rates', FxRatesObject),
        body(FxRatesOverrideSchema),
      ),
    },
    '/ledger/payments': {
      get: operation('List payments', ok('Page of payments', listObject(PaymentObject)), {
        parameters: queryParameters(ListPaymentsInput),
      }),
    },
  };
}
