import type { Money, PaymentsPort, ProcessorEvent } from '@ledger/domain';
import { LedgerError } from '@ledger/domain';
import Stripe from 'stripe';
import { stripeChargeFailure, stripeDeclineCode, toLedgerError } from './stripe-errors.js';

/** How to reach Stripe. `apiBase` points the SDK elsewhere (tests use a local fake Stripe). */
export interface StripeOptions {
  secretKey: string;
  webhookSecret?: string | undefined;
  apiBase?: string | undefined;
  timeoutMs?: number;
  maxNetworkRetries?: number;
}

/** The Stripe processor: the payments port plus webhook verification. */
export interface StripeProcessor extends PaymentsPort {
  /** Verifies a webhook's signature and reduces it to a processor event (null: not one we act on). */
  parseWebhook(rawBody: string, signature: string): ProcessorEvent | null;
}

/** Currencies that are zero-decimal in ISO 4217 (Ledger's minor unit) but two-decimal at Stripe. */
const TWO_DECIMAL_AT_STRIPE: ReadonlySet<string> = new Set(['ISK', 'UGX']);

/**
 * The `amount` Stripe expects for a Ledger amount. Both count in the currency's minor unit, so
 * this is the amount itself (USD cents, JPY yen, KWD fils), except for the currencies Stripe's
 * "Supported currencies" page (https://docs.stripe.com/currencies#special-cases, "Special
 * cases") lists as two-decimal for backwards compatibility although ISO 4217 makes them
 * zero-decimal: ISK and UGX go ×100 (ISK 500 is `amount: 50000`), and Stripe's amounts for
 * them (a PaymentIntent's `amount`, `amount_received`) read ×100 too. HUF and TWD are
 * two-decimal in both. Three-decimal currencies (BHD, JOD, KWD, OMR, TND) go as they are:
 * Stripe refuses a last digit other than 0, a failed charge rather than something to round.
 */
export function stripeAmount(money: Money): number {
  return TWO_DECIMAL_AT_STRIPE.has(money.currency.toUpperCase())
    ? money.amount * 100
    : money.amount;
}

function client(options: StripeOptions): Stripe {
  const base = options.apiBase ? new URL(options.apiBase) : null;
  return new Stripe(options.secretKey, {
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 20_000,
    telemetry: false,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
          protocol: base.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
  });
}

async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw toLedgerError(error);
  }
}

/**
 * A step of attaching a card: Stripe refusing the request (an unknown token, a `pm_` attached to
 * another customer, …) is about the token the caller sent, so it is `invalid_token` (400) with
 * Stripe's message, not a processor outage.
 */
async function attachStep<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError) {
      throw new LedgerError('invalid_token', error.message, {
        param: ['token'],
        details: { processor: 'stripe', stripe_code: error.code ?? null },
      });
    }
    throw toLedgerError(error);
  }
}

function originOf(metadata: Stripe.Metadata | null | undefined) {
  if (!metadata?.ledger_tenant_id || !metadata.ledger_app_id || !metadata.ledger_invoice_id)
    return null;
  return {
    scope: { tenantId: metadata.ledger_tenant_id, appId: metadata.ledger_app_id },
    invoiceId: metadata.ledger_invoice_id,
    paymentMethodId: metadata.ledger_payment_method_id ?? null,
  };
}

function toProcessorEvent(event: Stripe.Event): ProcessorEvent | null {
  const base = { id: event.id, processor: 'stripe' };
  switch (event.type) {
    case 'payment_intent.succeeded':
      return {
        ...base,
        kind: 'payment_succeeded',
        paymentRef: event.data.object.id,
        origin: originOf(event.data.object.metadata),
      };
    case 'payment_intent.payment_failed': {
      const intent = event.data.object;
      const error = intent.last_payment_error;
      return {
        ...base,
        kind: 'payment_failed',
        paymentRef: intent.id,
        origin: originOf(intent.metadata),
        failureCode: error ? stripeDeclineCode(error) : 'card_declined',
        ...(error?.message ? { failureMessage: error.message } : {}),
      };
    }
    case 'charge.refunded': {
      const intent = event.data.object.payment_intent;
      const ref = typeof intent === 'string' ? intent : intent?.id;
      return ref ? { ...base, kind: 'payment_refunded', paymentRef: ref } : null;
    }
    case 'payment_method.detached':
      return { ...base, kind: 'method_detached', methodRef: event.data.object.id };
    default:
      return null;
  }
}

/**
 * The Stripe processor through the official SDK: a Stripe customer is created once per Ledger
 * customer (an idempotency key makes a concurrent second creation return the first), cards come
 * from tokens or existing `pm_` ids and are attached, removal detaches, and invoices are charged
 * with off-session PaymentIntents carrying Ledger's scope and invoice in their metadata and an
 * idempotency key per invoice attempt, so a retried attempt never charges twice. A charge for an
 * invoice no longer owed is refunded in full (a Refund of its PaymentIntent, a key per payment).
 * The portal collects cards with SetupIntents (Stripe.js in the browser), read back server-side.
 */
export function createStripeProcessor(options: StripeOptions): StripeProcessor {
  const stripe = client(options);
  return {
    processor: 'stripe',

    async createCustomer({ scope, customer }) {
      const created = await call(() =>
        stripe.customers.create(
          {
            name: customer.name,
            ...(customer.email === null ? {} : { email: customer.email }),
            metadata: {
              ledger_customer_id: customer.id,
              ledger_tenant_id: scope.tenantId,
              ledger_app_id: scope.appId,
            },
          },
          // A concurrent second creation for the same customer returns the first one.
          { idempotencyKey: `ledger-customer-${scope.tenantId}-${scope.appId}-${customer.id}` },
        ),
      );
      return created.id;
    },

    async attachPaymentMethod({ processorCustomerId, token }) {
      // A retried request (a keyed request resumed after a failure) sends the same token again:
      // keys per token and customer make Stripe answer as the first time, not refuse the token.
      const key = `ledger-attach-${processorCustomerId}-${token}`;
      const created = token.startsWith('pm_')
        ? await attachStep(() => stripe.paymentMethods.retrieve(token))
        : await attachStep(() =>
            stripe.paymentMethods.create(
              { type: 'card', card: { token } },
              { idempotencyKey: `${key}-create` },
            ),
          );
      const method = await attachStep(() =>
        stripe.paymentMethods.attach(
          created.id,
          { customer: processorCustomerId },
          { idempotencyKey: key },
        ),
      );
      const card = method.card;
      if (!card)
        throw new LedgerError('invalid_token', 'Only card payment methods are supported', {
          param: ['token'],
        });
      return {
        processorId: method.id,
        card: {
          brand: card.brand,
          last4: card.last4,
          expMonth: card.exp_month,
          expYear: card.exp_year,
          country: card.country ?? null,
        },
      };
    },

    async deleteCustomer({ processorCustomerId }) {
      try {
        await stripe.customers.del(processorCustomerId);
      } catch (error) {
        // A customer Stripe no longer has is the state we wanted.
        if (
          error instanceof Stripe.errors.StripeInvalidRequestError &&
          error.code === 'resource_missing'
        )
          return;
        throw toLedgerError(error);
      }
    },

    async detachPaymentMethod({ processorId }) {
      try {
        await stripe.paymentMethods.detach(processorId);
      } catch (error) {
        // Already detached (or gone) at Stripe is the state we wanted.
        if (error instanceof Stripe.errors.StripeInvalidRequestError) return;
        throw toLedgerError(error);
      }
    },

    async charge({
      scope,
      processorCustomerId,
      paymentMethodProcessorId,
      paymentMethodId,
      amount,
      invoiceId,
      idempotencyKey,
    }) {
      let intent: Stripe.PaymentIntent;
      try {
        intent = await stripe.paymentIntents.create(
          {
            amount: stripeAmount(amount),
            currency: amount.currency.toLowerCase(),
            ...(processorCustomerId ? { customer: processorCustomerId } : {}),
            payment_method: paymentMethodProcessorId,
            off_session: true,
            confirm: true,
            metadata: {
              ledger_tenant_id: scope.tenantId,
              ledger_app_id: scope.appId,
              ledger_invoice_id: invoiceId,
              ledger_payment_method_id: paymentMethodId,
            },
          },
          { idempotencyKey },
        );
      } catch (error) {
        const failed = stripeChargeFailure(error);
        if (failed) return failed;
        throw toLedgerError(error);
      }
      if (intent.status === 'processing') {
        // A retry with this key is answered with what Stripe answered first (`processing`), not
        // with what the PaymentIntent became since, so ask for its state now.
        const pending = intent;
        intent = await stripe.paymentIntents.retrieve(pending.id).catch(() => pending);
      }
      if (intent.status === 'succeeded')
        return { status: 'succeeded', processor: 'stripe', processorRef: intent.id };
      if (intent.status === 'processing') {
        // Neither paid nor failed yet, and a charge outcome has no third state: recording it as
        // failed would move the invoice to its next attempt (a new key, a second PaymentIntent,
        // a second charge if this one succeeds). As `provider_timeout` no attempt is recorded
        // and the retry an hour later sends the same idempotency key, so Stripe answers with
        // this same PaymentIntent (whose state is then read above) and never charges twice;
        // meanwhile its `payment_intent.succeeded`/`payment_failed` webhook settles the invoice.
        throw new LedgerError(
          'provider_timeout',
          'The payment is still processing at Stripe; its outcome settles the invoice later',
          { details: { processor: 'stripe', payment_intent: intent.id } },
        );
      }
      const lastError = intent.last_payment_error;
      return {
        status: 'failed',
        processor: 'stripe',
        processorRef: intent.id,
        code:
          intent.status === 'requires_action'
            ? 'authentication_required'
            : stripeDeclineCode(lastError ?? {}),
        message: lastError?.message ?? `The payment needs the customer (status ${intent.status})`,
      };
    },

    async refund({ scope, processorRef, invoiceId, idempotencyKey }) {
      try {
        await stripe.refunds.create(
          {
            payment_intent: processorRef,
            metadata: {
              ledger_tenant_id: scope.tenantId,
              ledger_app_id: scope.appId,
              ledger_invoice_id: invoiceId,
            },
          },
          { idempotencyKey },
        );
      } catch (error) {
        // Refunded already (by hand in the dashboard, say): the money is back, which is the point.
        if (
          error instanceof Stripe.errors.StripeInvalidRequestError &&
          error.code === 'charge_already_refunded'
        )
          return;
        throw toLedgerError(error);
      }
    },

    async createSetupIntent({ scope, processorCustomerId, customerId }) {
      const intent = await call(() =>
        stripe.setupIntents.create({
          customer: processorCustomerId,
          allowed_payment_method_types: ['card'],
          // Saved to be charged later, when invoices are finalized without the customer present.
          usage: 'off_session',
          metadata: {
            ledger_customer_id: customerId,
            ledger_tenant_id: scope.tenantId,
            ledger_app_id: scope.appId,
          },
        }),
      );
      if (!intent.client_secret)
        throw new LedgerError(
          'provider_error',
          'Stripe sent a SetupIntent without a client secret',
        );
      return { id: intent.id, clientSecret: intent.client_secret };
    },

    async retrieveSetupIntent({ id }) {
      let intent: Stripe.SetupIntent;
      try {
        intent = await stripe.setupIntents.retrieve(id);
      } catch (error) {
        // An id Stripe does not know (made up, or another account's) is no SetupIntent of ours.
        if (error instanceof Stripe.errors.StripeInvalidRequestError)
          throw new LedgerError('not_found', `No setup intent ${id}`, { param: ['setupIntentId'] });
        throw toLedgerError(error);
      }
      const idOf = (value: string | { id: string } | null) =>
        typeof value === 'string' ? value : (value?.id ?? null);
      return {
        id: intent.id,
        status: intent.status,
        processorCustomerId: idOf(intent.customer),
        paymentMethod: idOf(intent.payment_method),
      };
    },

    parseWebhook(rawBody, signature) {
      if (!options.webhookSecret)
        throw new LedgerError('not_found', 'Stripe webhooks are not configured');
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature, options.webhookSecret);
      } catch (error) {
        throw new LedgerError(
          'invalid_signature',
          'The Stripe-Signature header does not verify (forged, stale or for another secret)',
          {
            param: ['Stripe-Signature'],
            cause: error,
          },
        );
      }
      return toProcessorEvent(event);
    },
  };
}
