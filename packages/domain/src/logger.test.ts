import { describe, expect, it } from 'vitest';
import { builtInTax, noPayments, referenceFx } from './billing/default-ports.js';
import { collectQuietly } from './billing/invoice/collect-invoice.js';
import type { Subscription } from './billing/model.js';
import { runDue, type SystemContext } from './billing/run-due.js';
import { noBillingGuards, silentLogger, systemClock, typeIdGenerator } from './defaults.js';
import { LedgerError } from './errors.js';
import { noEventHandlers } from './events/dispatcher.js';
import { newId } from './ids.js';
import { detachQuietly } from './payment-method/detach.js';
import type { PaymentMethod } from './payment-method/model.js';
import { createTestProcessor } from './payment-method/test-processor.js';
import { portalLinksAt } from './portal/links.js';
import type { LogFields, Logger, Store, StoreTx } from './ports.js';
import { offlineTaxIdVerifier } from './tax-ids/verifier.js';
import { noWebhookSecrets } from './webhooks/default-ports.js';

/**
 * What the domain recovers from without failing its caller is reported through the `Logger`
 * port of the service context (the domain itself never prints).
 */

interface Line {
  level: 'warn' | 'error';
  message: string;
  fields: LogFields | undefined;
}

/** A logger that keeps what it was told. */
function recordingLogger(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    logger: {
      warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
      error: (message, fields) => lines.push({ level: 'error', message, fields }),
    },
  };
}

const scope = { tenantId: 'tenant-a', appId: 'app-a' };

/** A store with only the methods a test expects to be called; any other call fails the test. */
function storeWith(methods: Partial<StoreTx>): Store {
  const calls = methods as Record<string | symbol, unknown>;
  const store: Store = new Proxy({} as Store, {
    get(_target, name) {
      if (name === 'transaction') return (fn: (tx: StoreTx) => Promise<unknown>) => fn(store);
      if (name in calls) return calls[name];
      return () => {
        throw new Error(`unexpected store call ${String(name)}`);
      };
    },
  });
  return store;
}

function systemContext(store: Store, logger: Logger): SystemContext {
  return {
    store,
    clock: systemClock,
    ids: typeIdGenerator,
    events: noEventHandlers,
    webhookSecrets: noWebhookSecrets,
    webhookUrls: { refusal: async () => null },
    portalLinks: portalLinksAt('http://127.0.0.1:3000'),
    guards: noBillingGuards,
    payments: noPayments,
    tax: builtInTax('US'),
    fx: referenceFx,
    taxIdVerifier: offlineTaxIdVerifier,
    logger,
  };
}

function removedCard(processor: string): PaymentMethod {
  return {
    id: newId('paymentMethod'),
    customerId: newId('customer'),
    processor,
    processorId: `pm_at_${processor}`,
    type: 'card',
    card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2040, country: 'US' },
    createdAt: new Date('2026-01-01T00:00:00Z'),
    removedAt: new Date('2026-01-02T00:00:00Z'),
  };
}

describe('the logger port', () => {
  it('hears about a detach the processor refused, and the caller does not fail', async () => {
    const outage = new Error('processor down');
    const payments = {
      ...createTestProcessor(),
      detachPaymentMethod: async () => {
        throw outage;
      },
    };
    const { logger, lines } = recordingLogger();
    const card = removedCard('test');

    await expect(detachQuietly({ payments, scope, logger }, [card])).resolves.toBeUndefined();

    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'could not detach a removed payment method at the processor',
        fields: { paymentMethodId: card.id, processor: 'test', error: outage },
      },
    ]);
  });

  it('hears nothing when detaching works or the method is at another processor', async () => {
    const detached: string[] = [];
    const payments = {
      ...createTestProcessor(),
      detachPaymentMethod: async (request: { processorId: string }) => {
        detached.push(request.processorId);
      },
    };
    const { logger, lines } = recordingLogger();
    const ours = removedCard('test');

    await detachQuietly({ payments, scope, logger }, [ours, removedCard('elsewhere')]);

    expect(detached).toEqual([ours.processorId]);
    expect(lines).toEqual([]);
  });

  it('hears about a subscription the billing job skipped, and the job goes on', async () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const subscription: Subscription = {
      id: newId('subscription'),
      customerId: newId('customer'),
      planId: newId('plan'),
      status: 'active',
      currentPeriodStart: new Date('2026-02-01T00:00:00Z'),
      currentPeriodEnd: now,
      billingAnchor: new Date('2026-02-01T00:00:00Z'),
      trialStart: null,
      trialEnd: null,
      cancelAt: null,
      canceledAt: null,
      endedAt: null,
      pausedAt: null,
      metadata: {},
      createdAt: new Date('2026-02-01T00:00:00Z'),
      updatedAt: new Date('2026-02-01T00:00:00Z'),
    };
    const store = storeWith({
      // Due until skipped; its plan is gone, so advancing it fails.
      claimDueSubscriptions: async (_now, _limit, skip = []) =>
        skip.includes(subscription.id) ? [] : [{ scope, subscription }],
      getPlan: async () => null,
      claimInvoicesToRetry: async () => [],
      claimRefundsDue: async () => [],
    });
    const { logger, lines } = recordingLogger();

    const report = await runDue(systemContext(store, logger), now);

    expect(report).toMatchObject({ failed: 1, periodsBilled: 0, retried: 0 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      message: 'billing a subscription failed; it is skipped for this run',
      fields: { subscriptionId: subscription.id, tenantId: 'tenant-a', appId: 'app-a' },
    });
    const error = lines[0]?.fields?.error;
    expect(error).toBeInstanceOf(LedgerError);
    expect(error instanceof LedgerError && error.code).toBe('plan_not_found');
  });

  it('hears about a collection that failed after its commit', async () => {
    const id = newId('invoice');
    const store = storeWith({ getInvoice: async () => null });
    const { logger, lines } = recordingLogger();

    await expect(collectQuietly({ ...systemContext(store, logger), scope }, id)).resolves.toBe(
      null,
    );

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      message: 'collecting an invoice failed',
      fields: { invoiceId: id },
    });
  });

  it('has a silent default that accepts every line', () => {
    expect(() => {
      silentLogger.warn('w', { a: 1 });
      silentLogger.error('e');
    }).not.toThrow();
  });
});
