/**
 * @ledger/domain: Ledger's business rules for other services to reuse. The verbs (one per file,
 * `verb(ctx, input)`), the zod schema each verb validates its input with (same name, e.g.
 * `CreateCustomerInput`), the models they return, the closed error enum, the ports a program
 * implements to run the verbs on its own store, their defaults, and the pure money, tax, FX,
 * tax-id and id rules.
 *
 * This list is the public API, in the order of the source tree: each name is exported by name
 * from the file that defines it (never through a barrel), so the module graph stays acyclic and
 * nothing leaks by accident. Helpers the verbs share (building, finalising and collecting
 * invoices, posting to the balance journal, loading rows) are not part of it; the few that the
 * workspace's own packages need are in `@ledger/domain/internal`.
 */

export { addCredit } from './balance/add-credit.js';
export { adjustBalance } from './balance/adjust-balance.js';
export { listBalanceTransactions } from './balance/list-balance-transactions.js';
export {
  BALANCE_TRANSACTION_TYPES,
  type BalanceTransaction,
  type BalanceTransactionType,
  type CreditResult,
} from './balance/model.js';
export { builtInTax, noPayments, referenceFx, tableFx } from './billing/default-ports.js';
export {
  type BusinessDetails,
  type DocumentCustomer,
  type FinalizedInvoice,
  type InvoiceDocument,
  type ReceiptDocument,
  type ReceiptPayment,
  receiptNumberOf,
} from './billing/documents.js';
export {
  checkEntitlement,
  type EntitlementReason,
} from './billing/entitlement/check-entitlement.js';
export { billingGuards } from './billing/guards.js';
export type { Collection } from './billing/invoice/collect-invoice.js';
export { createInvoice } from './billing/invoice/create-invoice.js';
export { finalizeInvoice } from './billing/invoice/finalize-invoice.js';
export { getInvoice } from './billing/invoice/get-invoice.js';
export { invoiceDocument } from './billing/invoice/invoice-document.js';
export { listCustomerInvoices } from './billing/invoice/list-customer-invoices.js';
export { listPayments } from './billing/invoice/list-payments.js';
export { payInvoice } from './billing/invoice/pay-invoice.js';
export { receiptDocument } from './billing/invoice/receipt-document.js';
export { voidInvoice } from './billing/invoice/void-invoice.js';
export type { InvoiceId, PaymentId, PlanId, SubscriptionId } from './billing/model.js';
export {
  BILLING_PERIODS,
  type EntitlementCheck,
  FEATURE_PERIODS,
  FEATURE_TYPES,
  type Feature,
  type FeatureUsage,
  type GrantingPlan,
  type GrantingSubscription,
  INVOICE_STATUSES,
  type Invoice,
  type InvoiceFx,
  type InvoiceStatus,
  type InvoiceTax,
  LIVE_SUBSCRIPTION_STATUSES,
  type LineItem,
  PAYMENT_STATUSES,
  type Payment,
  PLAN_STATUSES,
  type Plan,
  type Pricing,
  SUBSCRIPTION_STATUSES,
  type Subscription,
  type SubscriptionStatus,
  TIER_TYPES,
  type Tier,
  type UsageEvent,
} from './billing/model.js';
export { createPlan } from './billing/plan/create-plan.js';
export { getPlan } from './billing/plan/get-plan.js';
export { listPlans } from './billing/plan/list-plans.js';
export { updatePlan } from './billing/plan/update-plan.js';
export type {
  BillingStore,
  ChargeOutcome,
  FxPort,
  FxStore,
  PaymentsPort,
  SetupIntentState,
  TaxPort,
  UsageRecord,
} from './billing/ports.js';
export {
  type RunDueOptions,
  type RunDueReport,
  runDue,
  type SystemContext,
} from './billing/run-due.js';
export {
  CancelSubscriptionInput,
  ChangePlanInput,
  CheckEntitlementInput,
  CreateInvoiceInput,
  CreatePlanInput,
  CreateSubscriptionInput,
  CustomerIdInput,
  GetPlanInput,
  InvoiceIdInput,
  ListCustomerInvoicesInput,
  ListCustomerSubscriptionsInput,
  ListPaymentsInput,
  ListPlansInput,
  RecordUsageBatchInput,
  SubscriptionIdInput,
  UpdatePlanInput,
  UsageEventInput,
  VoidInvoiceInput,
} from './billing/schemas.js';
export {
  CANCELLATION_REASON_KEY,
  cancelSubscription,
} from './billing/subscription/cancel-subscription.js';
export { changePlan } from './billing/subscription/change-plan.js';
export { createSubscription } from './billing/subscription/create-subscription.js';
export { getSubscription } from './billing/subscription/get-subscription.js';
export { listCustomerSubscriptions } from './billing/subscription/list-customer-subscriptions.js';
export { pauseSubscription } from './billing/subscription/pause-subscription.js';
export {
  type PlanChangePreview,
  previewPlanChange,
} from './billing/subscription/preview-plan-change.js';
export { resumeSubscription } from './billing/subscription/resume-subscription.js';
export { undoCancellation } from './billing/subscription/undo-cancellation.js';
export { type CustomerUsage, getCustomerUsage } from './billing/usage/get-customer-usage.js';
export { recordUsage } from './billing/usage/record-usage.js';
export { recordUsageBatch } from './billing/usage/record-usage-batch.js';
export { createCustomer } from './customer/create-customer.js';
export { deleteCustomer } from './customer/delete-customer.js';
export { keptAnswerGuard } from './customer/erase-copies.js';
export { eraseCustomer } from './customer/erase-customer.js';
export type {
  ErasureStore,
  Rewrite,
  StoredEventPayload,
} from './customer/erasure-ports.js';
export {
  type CustomerExport,
  EXPORT_PAGE_SIZE,
  type ExportReadOptions,
  exportCustomer,
} from './customer/export-customer.js';
export type { ExportKind, ExportPage, ExportRows, ExportStore } from './customer/export-store.js';
export { getCustomer } from './customer/get-customer.js';
export { getCustomerByEmail } from './customer/get-customer-by-email.js';
export { listCustomers } from './customer/list-customers.js';
export {
  CUSTOMER_STATUSES,
  type Customer,
  type CustomerStatus,
  ERASED_CUSTOMER_NAME,
  TAX_EXEMPT_VALUES,
  type TaxExempt,
} from './customer/model.js';
export {
  AddCreditInput,
  AdjustBalanceInput,
  CreateCustomerInput,
  DeleteCustomerInput,
  EraseCustomerInput,
  emailSchema,
  GetCustomerByEmailInput,
  GetCustomerInput,
  ListBalanceTransactionsInput,
  type ListCustomersFilter,
  ListCustomersInput,
  UpdateCustomerInput,
} from './customer/schemas.js';
export { updateCustomer } from './customer/update-customer.js';
export { noBillingGuards, silentLogger, systemClock, typeIdGenerator } from './defaults.js';
export {
  ERROR_CODES,
  type ErrorCode,
  formatParam,
  isLedgerError,
  LedgerError,
  type LedgerErrorOptions,
} from './errors.js';
export {
  createEventDispatcher,
  type DispatcherOptions,
  type EventDispatcher,
  noEventHandlers,
  retryDelayMs,
} from './events/dispatcher.js';
export { getEvent } from './events/get-event.js';
export { listEvents } from './events/list-events.js';
export {
  EVENT_TYPES,
  type EventHandler,
  type EventType,
  type LedgerEvent,
} from './events/model.js';
export { CREATED_EVENT_SEQUENCE } from './events/record-event.js';
export {
  GetEventInput,
  type ListEventsFilter,
  ListEventsInput,
} from './events/schemas.js';
export { type EventView, eventView } from './events/view.js';
export { convert, DISPLAY_RATE_DIGITS, type FxConversion } from './fx/convert.js';
export { type FxRatesView, fxRatesView } from './fx/fx-rates-view.js';
export { getFxRates } from './fx/get-fx-rates.js';
export { type SetFxRatesInput, setFxRates } from './fx/set-fx-rates.js';
export {
  type FxQuote,
  type FxRatesOverride,
  FxRatesOverrideSchema,
  type FxTable,
  mergeFxRates,
  REFERENCE_FX_TABLE,
} from './fx/table.js';
export {
  type BalanceTransactionId,
  type CustomerId,
  type EventId,
  ID_PREFIXES,
  type Id,
  type IdKind,
  idSchema,
  isId,
  newId,
  type PaymentMethodId,
  type WebhookDeliveryId,
  type WebhookEndpointId,
} from './ids.js';
export {
  addMoney,
  amountSchema,
  assertStorable,
  currencySchema,
  exponentOf,
  formatMoney,
  isCurrencyCode,
  MAX_INPUT_AMOUNT,
  MAX_STORED_AMOUNT,
  type Money,
  moneySchema,
  positiveMoneySchema,
  toDecimalString,
  zero,
} from './money.js';
export * from './output-schemas.js';
export { addPaymentMethod } from './payment-method/add-payment-method.js';
export {
  applyProcessorEvent,
  type ProcessorEventResult,
} from './payment-method/apply-processor-event.js';
export { completeCardSetup } from './payment-method/complete-card-setup.js';
export { declineCode } from './payment-method/decline-codes.js';
export { listPaymentMethods } from './payment-method/list-payment-methods.js';
export type { CardDetails, PaymentMethod } from './payment-method/model.js';
export type { ProcessorEvent } from './payment-method/processor-event.js';
export { removePaymentMethod } from './payment-method/remove-payment-method.js';
export {
  AddPaymentMethodInput,
  ListPaymentMethodsInput,
  RemovePaymentMethodInput,
} from './payment-method/schemas.js';
export { type CardSetup, startCardSetup } from './payment-method/start-card-setup.js';
export { createTestProcessor, TEST_CARDS } from './payment-method/test-processor.js';
export {
  API_KEY_PREFIX,
  authenticateApiKey,
  generateApiKeySecret,
  hashApiKey,
  issueApiKey,
} from './platform/api-keys.js';
export type {
  ApiKeyRecord,
  ApiKeyStore,
  IdempotencyRecord,
  IdempotencyStore,
  KeptAnswerGuard,
  StepJournal,
  StoredResponse,
} from './platform/ports.js';
export { SEALED_ANSWER_PREFIX } from './platform/ports.js';
export {
  CUSTOMER_UPDATE_FIELDS,
  type CustomerUpdateField,
  defaultPortalConfiguration,
  type PortalConfiguration,
} from './portal/configuration.js';
export { createPortalSession } from './portal/create-portal-session.js';
export {
  getPortalConfiguration,
  loadPortalConfiguration,
} from './portal/get-portal-configuration.js';
export { portalLinksAt } from './portal/links.js';
export {
  type CreatedPortalSession,
  PORTAL_BROWSER_SESSION_MS,
  type PortalLinkRefusal,
  type PortalSession,
  type PortalSessionId,
  portalSessionView,
  type StoredPortalSession,
} from './portal/model.js';
export {
  type OpenedPortalLink,
  openPortalLink,
  resolvePortalCookie,
} from './portal/open-portal-link.js';
export type { PortalLinks, PortalStore } from './portal/ports.js';
export { revokePortalSession } from './portal/revoke-portal-session.js';
export {
  CreatePortalSessionInput,
  httpUrlSchema,
  RevokePortalSessionInput,
  SetPortalConfigurationInput,
} from './portal/schemas.js';
export { setPortalConfiguration } from './portal/set-portal-configuration.js';
export { hashPortalToken, newPortalToken } from './portal/tokens.js';
export type {
  BalancePosting,
  BalanceStore,
  BillingGuards,
  ClaimedEvent,
  Clock,
  CustomerStore,
  EventKey,
  EventNotifier,
  IdGenerator,
  LogFields,
  Logger,
  OutboxStore,
  PaymentMethodStore,
  PostedBalance,
  ServiceContext,
  Store,
  StoreTx,
  TransactionOptions,
} from './ports.js';
export {
  type Address,
  AddressSchema,
  COUNTRY_CODES,
  countrySchema,
  isCountryCode,
} from './schemas/address.js';
// Metadata's schema, limits and merge rule, all public (the file holds nothing else).
export * from './schemas/metadata.js';
export type { Page, PageResult } from './schemas/pagination.js';
export type { Scope } from './scope.js';
export {
  type CalculateTaxInput,
  calculateTax,
  isReverseCharge,
  type TaxCalculation,
  type TaxIdRef,
  type TaxReason,
  taxOn,
} from './tax/calculate.js';
export { EU_MEMBER_STATES, isEuMember } from './tax/eu.js';
export { formatRate } from './tax/format-rate.js';
export {
  getRate,
  getRateFromTable,
  type TaxAddress,
  type TaxRate,
  type TaxRateComponent,
  UNKNOWN_JURISDICTION,
} from './tax/get-rate.js';
export { GetTaxRateInput, getTaxRate } from './tax/get-tax-rate.js';
export {
  type CountryTax,
  CountryTaxSchema,
  mergeTaxRates,
  PostalTaxOverrideSchema,
  TAX_RATES,
  type TaxComponentData,
  TaxComponentDataSchema,
  type TaxRateOverrides,
  TaxRateOverridesSchema,
  type TaxRateTable,
  TaxRateTableSchema,
  TaxRegionSchema,
} from './tax/table.js';
export { checkTaxId, taxIdCountry } from './tax-ids/check.js';
export { EU_VAT_PREFIXES } from './tax-ids/eu-vat.js';
export { type TaxIdInput, taxIdInputSchema } from './tax-ids/schema.js';
export { TAX_ID_SCHEMES, type TaxIdScheme } from './tax-ids/schemes.js';
export {
  CHECKSUM_MISMATCH,
  isTaxIdType,
  TAX_ID_TYPES,
  TAX_ID_VERIFICATION_STATUSES,
  type TaxId,
  type TaxIdCheck,
  type TaxIdType,
  type TaxIdVerification,
  type TaxIdVerificationStatus,
} from './tax-ids/types.js';
export type { TaxIdVerifier } from './tax-ids/verifier.js';
export { offlineTaxIdVerifier } from './tax-ids/verifier.js';
export { verifyTaxIds } from './tax-ids/verify-tax-ids.js';
export { checkInputShape, MAX_INPUT_DEPTH, parseInput, toLedgerError } from './validation.js';
export { isLocalHostname, isPublicAddress, parseIpLiteral } from './webhooks/addresses.js';
export { createWebhookEndpoint } from './webhooks/create-webhook-endpoint.js';
export { noWebhookSecrets } from './webhooks/default-ports.js';
export { deleteWebhookEndpoint } from './webhooks/delete-webhook-endpoint.js';
export { getWebhookEndpoint } from './webhooks/get-webhook-endpoint.js';
export { listWebhookDeliveries } from './webhooks/list-webhook-deliveries.js';
export { listWebhookEndpoints } from './webhooks/list-webhook-endpoints.js';
export {
  type StoredWebhookEndpoint,
  subscribesTo,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_ENDPOINT_STATUSES,
  WEBHOOK_FAILING_DISABLE_MS,
  WEBHOOK_RETRY_DELAYS_MS,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookDisabledReason,
  type WebhookEndpoint,
  type WebhookEndpointStatus,
  webhookRetryDelayMs,
} from './webhooks/model.js';
export type {
  AppendEventOptions,
  ClaimedWebhookDelivery,
  WebhookOutcome,
  WebhookReplaySelection,
  WebhookSecrets,
  WebhookStore,
  WebhookUrlPolicy,
} from './webhooks/ports.js';
export { replayWebhookEvents } from './webhooks/replay-webhook-events.js';
export { rotateWebhookSecret } from './webhooks/rotate-webhook-secret.js';
export {
  CreateWebhookEndpointInput,
  ListWebhookDeliveriesInput,
  ListWebhookEndpointsInput,
  MAX_REPLAY_EVENTS,
  MAX_SECRET_OVERLAP_SECONDS,
  ReplayWebhookEventsInput,
  RotateWebhookSecretInput,
  UpdateWebhookEndpointInput,
  WEBHOOK_URL_MAX_LENGTH,
  WebhookEndpointIdInput,
} from './webhooks/schemas.js';
export { sendTestWebhook } from './webhooks/send-test-webhook.js';
export { type SettleContext, settleWebhookOutcomes } from './webhooks/settle-outcomes.js';
export { updateWebhookEndpoint } from './webhooks/update-webhook-endpoint.js';
export { endpointView, type WebhookEndpointWithSecret } from './webhooks/view.js';
