import { describe, expectTypeOf, it } from 'vitest';
import type {
  AddPaymentMethodInput,
  AdjustBalanceResult,
  CheckEntitlementInput,
  CreateCustomerInput,
  CreateInvoiceInput,
  CreatePlanInput,
  CreateSubscriptionInput,
  Customer,
  CustomerUsage,
  EntitlementCheckResult,
  ErrorCode,
  ErrorType,
  FxRatesView,
  Invoice,
  InvoiceIdInput,
  LedgerClient,
  LedgerErrorData,
  ListCustomersInput,
  ListPaymentsInput,
  ListPlansInput,
  Page,
  Payment,
  PaymentMethod,
  PaymentMethodList,
  Plan,
  PlanList,
  RecordUsageBatchInput,
  RecordUsageBatchResult,
  RecordUsageResult,
  RouterInputs,
  RouterOutputs,
  SetFxRatesInput,
  Subscription,
  SubscriptionList,
  TaxRate,
  UsageEventInput,
  VoidInvoiceInput,
} from './index.js';

// Compile-time checks (`pnpm typecheck`): the named types the client exports are exactly what the
// procedures take and return, so a user who writes `Invoice` gets what `invoice.get` answers.

/** An optional procedure input without the "left out" members, i.e. the input when given. */
type Given<T> = Exclude<T, void>;

describe('procedure inputs are the exported *Input types', () => {
  it('customer and payment methods', () => {
    expectTypeOf<RouterInputs['customer']['create']>().toEqualTypeOf<CreateCustomerInput>();
    // tRPC writes an optional input as `void | T | undefined`: may be left out, else is T.
    expectTypeOf<undefined>().toExtend<RouterInputs['customer']['list']>();
    expectTypeOf<Given<RouterInputs['customer']['list']>>().toEqualTypeOf<ListCustomersInput>();
    expectTypeOf<
      RouterInputs['customer']['paymentMethods']['add']
    >().toEqualTypeOf<AddPaymentMethodInput>();
  });

  it('billing', () => {
    expectTypeOf<RouterInputs['plan']['create']>().toEqualTypeOf<CreatePlanInput>();
    expectTypeOf<undefined>().toExtend<RouterInputs['plan']['list']>();
    expectTypeOf<Given<RouterInputs['plan']['list']>>().toEqualTypeOf<ListPlansInput>();
    expectTypeOf<RouterInputs['subscription']['create']>().toEqualTypeOf<CreateSubscriptionInput>();
    expectTypeOf<RouterInputs['meter']['record']>().toEqualTypeOf<UsageEventInput>();
    expectTypeOf<RouterInputs['meter']['recordBatch']>().toEqualTypeOf<RecordUsageBatchInput>();
    expectTypeOf<RouterInputs['entitlement']['check']>().toEqualTypeOf<CheckEntitlementInput>();
    expectTypeOf<RouterInputs['invoice']['create']>().toEqualTypeOf<CreateInvoiceInput>();
    expectTypeOf<RouterInputs['invoice']['pay']>().toEqualTypeOf<InvoiceIdInput>();
    expectTypeOf<RouterInputs['invoice']['void']>().toEqualTypeOf<VoidInvoiceInput>();
    expectTypeOf<undefined>().toExtend<RouterInputs['payment']['list']>();
    expectTypeOf<Given<RouterInputs['payment']['list']>>().toEqualTypeOf<ListPaymentsInput>();
    expectTypeOf<RouterInputs['fx']['set']>().toEqualTypeOf<SetFxRatesInput>();
  });

  it('are what the client methods take', () => {
    expectTypeOf<LedgerClient['plan']['create']['mutate']>()
      .parameter(0)
      .toEqualTypeOf<CreatePlanInput>();
    expectTypeOf<LedgerClient['invoice']['get']['query']>()
      .parameter(0)
      .toEqualTypeOf<InvoiceIdInput>();
  });
});

describe('procedure outputs are the exported object types', () => {
  it('customer and payment methods', () => {
    expectTypeOf<RouterOutputs['customer']['get']>().toEqualTypeOf<Customer>();
    expectTypeOf<RouterOutputs['customer']['list']>().toEqualTypeOf<Page<Customer>>();
    expectTypeOf<
      RouterOutputs['customer']['paymentMethods']['add']
    >().toEqualTypeOf<PaymentMethod>();
    expectTypeOf<PaymentMethodList>().toEqualTypeOf<{ data: PaymentMethod[] }>();
    expectTypeOf<RouterOutputs['customer']['usage']>().toEqualTypeOf<CustomerUsage>();
    expectTypeOf<AdjustBalanceResult['transaction']['amount']['amount']>().toEqualTypeOf<number>();
  });

  it('billing', () => {
    expectTypeOf<RouterOutputs['plan']['get']>().toEqualTypeOf<Plan>();
    expectTypeOf<PlanList>().toEqualTypeOf<{ data: Plan[] }>();
    expectTypeOf<RouterOutputs['subscription']['cancel']>().toEqualTypeOf<Subscription>();
    expectTypeOf<SubscriptionList>().toEqualTypeOf<{ data: Subscription[] }>();
    expectTypeOf<RouterOutputs['invoice']['finalize']>().toEqualTypeOf<Invoice>();
    expectTypeOf<RouterOutputs['customer']['invoices']['list']>().toEqualTypeOf<Page<Invoice>>();
    expectTypeOf<RouterOutputs['payment']['list']>().toEqualTypeOf<Page<Payment>>();
    expectTypeOf<RouterOutputs['tax']['rate']>().toEqualTypeOf<TaxRate>();
    expectTypeOf<RouterOutputs['fx']['get']>().toEqualTypeOf<FxRatesView>();
    expectTypeOf<RecordUsageResult>().toEqualTypeOf<{ id: string; duplicate: boolean }>();
    expectTypeOf<RecordUsageBatchResult>().toEqualTypeOf<{
      accepted: number;
      duplicates: number;
    }>();
    expectTypeOf<EntitlementCheckResult['allowed']>().toEqualTypeOf<boolean>();
    expectTypeOf<EntitlementCheckResult['feature']>().toEqualTypeOf<string>();
    // Dates arrive as Dates (superjson), not as strings.
    expectTypeOf<Invoice['periodStart']>().toEqualTypeOf<Date>();
    expectTypeOf<Subscription['trialEnd']>().toEqualTypeOf<Date | null>();
  });

  it('none of them is any', () => {
    expectTypeOf<Customer>().not.toBeAny();
    expectTypeOf<Invoice>().not.toBeAny();
    expectTypeOf<RouterOutputs['entitlement']['check']>().not.toBeAny();
    expectTypeOf<RouterInputs['invoice']['create']>().not.toBeAny();
  });
});

describe('errors', () => {
  it('code and type are closed unions', () => {
    expectTypeOf<LedgerErrorData['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<LedgerErrorData['type']>().toEqualTypeOf<ErrorType>();
    expectTypeOf<'customer_not_found'>().toExtend<ErrorCode>();
    expectTypeOf<'customer_not_fund'>().not.toExtend<ErrorCode>();
    expectTypeOf<string>().not.toExtend<ErrorCode>();
    expectTypeOf<'not_found'>().toExtend<ErrorType>();
    expectTypeOf<'missing'>().not.toExtend<ErrorType>();
  });
});
