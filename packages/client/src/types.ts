/**
 * Every type a caller of `@ledger/client` writes down: the objects procedures return, the input of
 * every procedure, and the few result shapes that have no domain name. They are aliases of the
 * domain's and the router's own types (never copies), so they cannot drift from what the server
 * accepts and answers; the build inlines them into the self-contained `dist/index.d.ts`.
 *
 * Inputs are declared as aliases (`type X = domain.X`), not re-exported by name: in
 * `@ledger/domain` each input type shares its name with a zod schema (a value), and a named
 * re-export would let the bundled declarations offer a value that `dist/index.js` does not have.
 */
import type { RouterOutputs } from '@ledger/api';
import type * as domain from '@ledger/domain';

export type { AppRouter, ErrorType, RouterInputs, RouterOutputs } from '@ledger/api';

// ---------------------------------------------------------------------------------------------
// Errors

/** Every `code` Ledger answers an error with: a closed list, so a `switch` on it is checked. */
export type ErrorCode = domain.ErrorCode;
/** Ledger's error fields in `error.data.ledger`, as `ledgerErrorOf` returns them. */
export type { LedgerErrorData } from '@ledger/api';

// ---------------------------------------------------------------------------------------------
// Building blocks shared by many objects

/** An amount in integer minor units (cents) and its ISO 4217 code: Ledger never uses floats. */
export type Money = domain.Money;
/** Arbitrary JSON a caller attaches to an object and gets back unchanged. */
export type Metadata = domain.Metadata;
/** One value of {@link Metadata}: what survives a JSON round trip. */
export type JsonValue = domain.JsonValue;
/** A postal address; on a customer it decides the tax jurisdiction of its invoices. */
export type Address = domain.Address;
/** One page of a list procedure, with both offset and cursor continuation. */
export type Page<T> = domain.Page<T>;
/** A prefixed TypeID (`cus_…`, `plan_…`): the template type tells the kinds of id apart. */
export type Id<K extends domain.IdKind> = domain.Id<K>;
/** The object kinds that have an id, the parameter of {@link Id}. */
export type IdKind = domain.IdKind;

// ---------------------------------------------------------------------------------------------
// Customers, balances, payment methods, tax ids

/** The central object: who subscribes, uses, is invoiced and pays. */
export type Customer = domain.Customer;
/** A customer's id, `cus_…`. */
export type CustomerId = domain.CustomerId;
/** `active`, or `deleted` (still readable by id, to keep billing history). */
export type CustomerStatus = domain.CustomerStatus;
/** How a customer's invoices are taxed: `none`, `exempt` or `reverse` (reverse charge). */
export type TaxExempt = domain.TaxExempt;
/** A stored tax id: scheme, normalised value and how far it was verified. */
export type TaxId = domain.TaxId;
/** The tax id schemes Ledger knows (`eu_vat`, …), the `type` of a {@link TaxId}. */
export type TaxIdType = domain.TaxIdType;
/** Why a stored tax id has its verification status. */
export type TaxIdVerification = domain.TaxIdVerification;
/** How far a tax id was verified. */
export type TaxIdVerificationStatus = domain.TaxIdVerificationStatus;
/** One immutable row of a customer's balance journal. */
export type BalanceTransaction = domain.BalanceTransaction;
/** A balance transaction's id, `cbtxn_…`. */
export type BalanceTransactionId = domain.BalanceTransactionId;
/** Why a balance moved (`credit`, `adjustment`, `applied_to_invoice`, …). */
export type BalanceTransactionType = domain.BalanceTransactionType;
/** What `customer.addCredit` returns: the new balance and the journal row that made it. */
export type CreditResult = domain.CreditResult;
/** What `customer.adjustBalance` returns: the new balance and the journal row that made it. */
export type AdjustBalanceResult = RouterOutputs['customer']['adjustBalance'];
/** A customer's card, as the processor describes it (never its number). */
export type PaymentMethod = domain.PaymentMethod;
/** A payment method's id, `pm_…`. */
export type PaymentMethodId = domain.PaymentMethodId;
/** Brand, last four digits and expiry of a {@link PaymentMethod}'s card. */
export type CardDetails = domain.CardDetails;
/** What `customer.paymentMethods.list` returns: every payment method of the customer. */
export type PaymentMethodList = RouterOutputs['customer']['paymentMethods']['list'];
/** What `customer.usage` returns: current-period usage per metered or seat feature. */
export type CustomerUsage = domain.CustomerUsage;
/** The usage of one feature over the current period, an entry of {@link CustomerUsage}. */
export type FeatureUsage = domain.FeatureUsage;

// ---------------------------------------------------------------------------------------------
// Plans, subscriptions, usage, entitlements

/** What customers subscribe to: features, pricing, trial. */
export type Plan = domain.Plan;
/** A plan's id, `plan_…`. */
export type PlanId = domain.PlanId;
/** A capability a plan grants (metered, boolean or seat), with its limit. */
export type Feature = domain.Feature;
/** A plan's price: base amount per period plus tiers for metered features. */
export type Pricing = domain.Pricing;
/** One price tier of a metered feature. */
export type Tier = domain.Tier;
/** What `plan.list` returns. */
export type PlanList = RouterOutputs['plan']['list'];
/** A customer's subscription to a plan, with its current billing period. */
export type Subscription = domain.Subscription;
/** A subscription's id, `sub_…`. */
export type SubscriptionId = domain.SubscriptionId;
/** `active`, `trialing`, `past_due`, `canceled`, `expired` or `paused`. */
export type SubscriptionStatus = domain.SubscriptionStatus;
/** What `customer.subscriptions.list` returns. */
export type SubscriptionList = RouterOutputs['customer']['subscriptions']['list'];
/** What `meter.record` returns: the event's id and whether its idempotency key was seen before. */
export type RecordUsageResult = RouterOutputs['meter']['record'];
/** What `meter.recordBatch` returns: how many events were stored and how many were repeats. */
export type RecordUsageBatchResult = RouterOutputs['meter']['recordBatch'];
/** A recorded entitlement decision. */
export type EntitlementCheck = domain.EntitlementCheck;
/** What `entitlement.check` returns: the decision plus the feature it was about. */
export type EntitlementCheckResult = RouterOutputs['entitlement']['check'];

// ---------------------------------------------------------------------------------------------
// Invoices and payments

/** An invoice; its sums always add up (lines = subtotal, total = subtotal + tax). */
export type Invoice = domain.Invoice;
/** An invoice's id, `inv_…`. */
export type InvoiceId = domain.InvoiceId;
/** `draft`, `open`, `paid`, `past_due` or `void`. */
export type InvoiceStatus = domain.InvoiceStatus;
/** One line of an invoice (base, usage or proration). */
export type LineItem = domain.LineItem;
/** The tax an invoice carries and why. */
export type InvoiceTax = domain.InvoiceTax;
/** The conversion an invoice was priced with, when the plan's currency is not the customer's. */
export type InvoiceFx = domain.InvoiceFx;
/** One attempt to collect an invoice. */
export type Payment = domain.Payment;
/** A payment's id, `pay_…`. */
export type PaymentId = domain.PaymentId;

// ---------------------------------------------------------------------------------------------
// Tax and FX

/** What `tax.rate` returns: the rate due at an address and its components. */
export type TaxRate = domain.TaxRate;
/** One levy inside a {@link TaxRate}. */
export type TaxRateComponent = domain.TaxRateComponent;
/** What `fx.get` and `fx.set` return: the reference rates with the caller's overrides on top. */
export type FxRatesView = domain.FxRatesView;
/** The caller's own FX rates, as stored after `fx.set`. */
export type FxRatesOverride = domain.FxRatesOverride;

// ---------------------------------------------------------------------------------------------
// Events

/** A lifecycle event (`customer.created`, `invoice.paid`, …) as webhooks deliver it. */
export type LedgerEvent<T = unknown> = domain.LedgerEvent<T>;
/** The closed list of event types. */
export type EventType = domain.EventType;

// ---------------------------------------------------------------------------------------------
// Procedure inputs, one per verb a procedure calls

/** Input of `customer.create`. */
export type CreateCustomerInput = domain.CreateCustomerInput;
/** Input of `customer.get`. */
export type GetCustomerInput = domain.GetCustomerInput;
/** Input of `customer.getByEmail`. */
export type GetCustomerByEmailInput = domain.GetCustomerByEmailInput;
/** Input of `customer.update`: only the fields given change; `null` clears a field. */
export type UpdateCustomerInput = domain.UpdateCustomerInput;
/** Input of `customer.delete`. */
export type DeleteCustomerInput = domain.DeleteCustomerInput;
/** Input of `customer.list` (optional): search, filters and paging. */
export type ListCustomersInput = domain.ListCustomersInput;
/** Input of `customer.addCredit`. */
export type AddCreditInput = domain.AddCreditInput;
/** Input of `customer.adjustBalance`. */
export type AdjustBalanceInput = domain.AdjustBalanceInput;
/** Input of `customer.balanceTransactions.list`. */
export type ListBalanceTransactionsInput = domain.ListBalanceTransactionsInput;
/** Input of `customer.subscriptions.list`. */
export type ListCustomerSubscriptionsInput = domain.ListCustomerSubscriptionsInput;
/** Input of `customer.invoices.list`. */
export type ListCustomerInvoicesInput = domain.ListCustomerInvoicesInput;
/** Input of `customer.usage` and `customer.taxIds.verify`. */
export type CustomerIdInput = domain.CustomerIdInput;
/** Input of `customer.paymentMethods.add`: a processor token (`tok_visa`, a `pm_…`). */
export type AddPaymentMethodInput = domain.AddPaymentMethodInput;
/** Input of `customer.paymentMethods.list`. */
export type ListPaymentMethodsInput = domain.ListPaymentMethodsInput;
/** Input of `customer.paymentMethods.remove`. */
export type RemovePaymentMethodInput = domain.RemovePaymentMethodInput;
/** Input of `plan.create`. */
export type CreatePlanInput = domain.CreatePlanInput;
/** Input of `plan.get`. */
export type GetPlanInput = domain.GetPlanInput;
/** Input of `plan.list` (optional). */
export type ListPlansInput = domain.ListPlansInput;
/** Input of `plan.update`: name, trial days, status and metadata (prices are fixed once sold). */
export type UpdatePlanInput = domain.UpdatePlanInput;
/** Input of `subscription.create`. */
export type CreateSubscriptionInput = domain.CreateSubscriptionInput;
/** Input of `subscription.get`, `subscription.pause` and `subscription.resume`. */
export type SubscriptionIdInput = domain.SubscriptionIdInput;
/** Input of `subscription.cancel`: at period end, or `immediately`. */
export type CancelSubscriptionInput = domain.CancelSubscriptionInput;
/** Input of `subscription.changePlan`. */
export type ChangePlanInput = domain.ChangePlanInput;
/** Input of `meter.record`: one usage report. */
export type UsageEventInput = domain.UsageEventInput;
/** Input of `meter.recordBatch`: 1–1000 usage reports, stored all or none. */
export type RecordUsageBatchInput = domain.RecordUsageBatchInput;
/** Input of `entitlement.check`. */
export type CheckEntitlementInput = domain.CheckEntitlementInput;
/** Input of `invoice.create`: a draft for the subscription's current period. */
export type CreateInvoiceInput = domain.CreateInvoiceInput;
/** Input of `invoice.get`, `invoice.finalize` and `invoice.pay`. */
export type InvoiceIdInput = domain.InvoiceIdInput;
/** Input of `invoice.void`. */
export type VoidInvoiceInput = domain.VoidInvoiceInput;
/** Input of `payment.list` (optional). */
export type ListPaymentsInput = domain.ListPaymentsInput;
/** Input of `tax.rate`: the address to rate. */
export type GetTaxRateInput = domain.GetTaxRateInput;
/** Input of `fx.set`: the caller's own rates over the reference table. */
export type SetFxRatesInput = domain.SetFxRatesInput;
