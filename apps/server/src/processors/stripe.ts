import type { PaymentsPort, ProcessorEvent } from '@ledger/domain';
import { LedgerError } from '@ledger/domain';
import Stripe from 'stripe';
import { stripeDeclineCode, toLedgerError } from './stripe-errors.js';

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
        failureCode: error?.decline_code ?? error?.code ?? 'card_declined',
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
 * idempotency key per invoice attempt, so a retried attempt never charges twice.
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
            email: customer.email,
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
      const created = token.startsWith('pm_')
        ? await call(() => stripe.paymentMethods.retrieve(token))
        : await call(() => stripe.paymentMethods.create({ type: 'card', card: { token } }));
      const method = await call(() =>
        stripe.paymentMethods.attach(created.id, { customer: processorCustomerId }),
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
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: amount.amount,
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
        if (intent.status === 'succeeded')
          return { status: 'succeeded', processor: 'stripe', processorRef: intent.id };
        return {
          status: 'failed',
          processor: 'stripe',
          processorRef: intent.id,
          code: intent.status === 'requires_action' ? 'authentication_required' : 'card_declined',
          message: `The payment needs the customer (status ${intent.status})`,
        };
      } catch (error) {
        if (error instanceof Stripe.errors.StripeCardError) {
          const raw = error.raw as { payment_intent?: { id?: string } } | undefined;
          return {
            status: 'failed',
            processor: 'stripe',
            processorRef: raw?.payment_intent?.id ?? null,
            code: stripeDeclineCode(error),
            message: error.message,
          };
        }
        throw toLedgerError(error);
      }
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
