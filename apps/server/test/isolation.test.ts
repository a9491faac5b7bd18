import {
  type AppRouter,
  appRouter,
  CustomerObject,
  honoPath,
  listObject,
  OPERATIONS,
} from '@ledger/api';
import { type LedgerClient, ledgerErrorOf, TRPCClientError } from '@ledger/client';
import { testDatabaseKinds } from '@ledger/db/testing';
import {
  ID_PREFIXES,
  type IdKind,
  newId,
  type PortalSessionId,
  type WebhookEndpointId,
} from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RestCall, type RestResponse, startTestLedger, type TestLedger } from './harness.js';
import { startReceiver, type TestReceiver } from './receivers.js';
import { scopeA, type WireCustomer } from './support.js';

/**
 * Tenant isolation, walked over the whole API surface: every tRPC procedure and every REST route
 * is called by tenant B against tenant A's objects. The tables below say how; a procedure or
 * route that is not in them fails the coverage tests, so a new one cannot ship unscoped.
 */

const customerPage = listObject(CustomerObject);

/** One of tenant A's customers, as tenant B aims at it. */
interface Target {
  id: string;
  email: string;
  currency: string;
}

/** What each tenant owns when the walk starts. */
interface World {
  a: {
    /** Active, with a credit balance, a subscription, usage and a draft invoice. */
    live: Target;
    deleted: Target;
    /** Its email is one B takes for a customer of its own. */
    twin: Target;
    plan: { id: string; slug: string };
    /** The slug of another plan of A, which B takes over REST (tRPC takes `plan.slug`). */
    otherPlanSlug: string;
    subscription: string;
    invoice: string;
    /** The live customer's card (its default). */
    paymentMethod: string;
    /** An event of A's (its first). */
    event: string;
    /** A live billing portal session of the live customer. */
    portalSession: string;
    /** A's webhook endpoint, with one settled test delivery in its attempts log. */
    webhookEndpoint: string;
  };
  b: { customer: string; plan: string; subscription: string; webhookEndpoint: string };
}

/** One cross-tenant call and the not-found code it must get. */
interface Attempt<Call> {
  label: string;
  code: string;
  call: Call;
}

/** How tenant B calls one entry point across the tenant line. */
type CrossTenantCase<Caller, Call> =
  /** Every attempt aims at A's objects and must be refused as not found. */
  | { expect: 'not_found'; attempts: (caller: Caller, w: World) => Array<Attempt<Call>> }
  /** Entry points that name no object of A (create, list): B sees and changes only its own. */
  | { expect: 'own_scope'; check: (caller: Caller, w: World) => Promise<void> };

type TrpcCase = CrossTenantCase<LedgerClient, () => Promise<unknown>>;

/** The same call against A's live and A's deleted customer: both unknown to B. */
function onCustomers<Call>(w: World, call: (target: Target) => Call): Array<Attempt<Call>> {
  return [w.a.live, w.a.deleted].map((target) => ({
    label: `customer ${target.email}`,
    code: 'customer_not_found',
    call: call(target),
  }));
}

/** Tenant A's portal configuration, which B must neither see nor change. */
const PORTAL_BUSINESS_A = 'Tenant A Billing';
const PORTAL_RETURN_A = 'https://tenant-a.example/account';
/** One call aimed at A's webhook endpoint: unknown to B. */
function onEndpoint<Call>(call: Call): Array<Attempt<Call>> {
  return [{ label: 'webhook endpoint', code: 'webhook_endpoint_not_found', call }];
}

const usage = (customerId: string) => ({ customerId, featureKey: 'api_calls', quantity: 5 });

const TRPC_CASES: Record<string, TrpcCase> = {
  'customer.create': {
    expect: 'own_scope',
    async check(b, w) {
      // Email uniqueness is per scope: B may take an address that a customer of A has.
      const created = await b.customer.create.mutate({
        name: 'Twin of B',
        email: w.a.twin.email.toUpperCase(),
        currency: 'EUR',
      });
      expect(created).toMatchObject({ tenantId: 'tenant-b', email: w.a.twin.email });
      expect(created.id).not.toBe(w.a.twin.id);
      expect((await b.customer.getByEmail.query({ email: w.a.twin.email })).id).toBe(created.id);
      await b.customer.delete.mutate({ id: created.id });
    },
  },
  'customer.get': {
    expect: 'not_found',
    attempts: (b, w) => onCustomers(w, (target) => () => b.customer.get.query({ id: target.id })),
  },
  'customer.getByEmail': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(w, (target) => () => b.customer.getByEmail.query({ email: target.email })),
  },
  'customer.update': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(
        w,
        (target) => () =>
          b.customer.update.mutate({
            id: target.id,
            name: 'Hijacked',
            email: 'hijacked@tenant-b.example',
            metadata: { owner: 'tenant-b' },
          }),
      ),
  },
  'customer.delete': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(w, (target) => () => b.customer.delete.mutate({ id: target.id })),
  },
  'customer.erase': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(w, (target) => () => b.customer.erase.mutate({ id: target.id })),
  },
  'customer.export': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(w, (target) => async () => {
        for await (const _ of await b.customer.export.query({ id: target.id })) {
          throw new Error(`B read a record of ${target.id}`);
        }
      }),
  },
  'customer.list': {
    expect: 'own_scope',
    async check(b, w) {
      const all = await b.customer.list.query({ status: 'all', limit: 100 });
      expect(all.data.map((customer) => customer.id)).toContain(w.b.customer);
      expect(all.data.every((customer) => customer.tenantId === 'tenant-b')).toBe(true);
      const ids = all.data.map((customer) => customer.id);
      for (const target of [w.a.live, w.a.deleted, w.a.twin]) expect(ids).not.toContain(target.id);
      for (const filter of [
        { email: w.a.live.email },
        { email: w.a.deleted.email },
        { q: 'Tenant A' },
        { metadata: { owner: 'tenant-a' } },
      ]) {
        const page = await b.customer.list.query({ ...filter, status: 'all' });
        expect(page.data, JSON.stringify(filter)).toEqual([]);
        expect(page.pagination.total, JSON.stringify(filter)).toBe(0);
      }
    },
  },
  'customer.addCredit': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(
        w,
        (target) => () =>
          b.customer.addCredit.mutate({
            customerId: target.id,
            amount: { amount: 1_000, currency: target.currency },
            reason: 'cross-tenant credit',
          }),
      ),
  },
  'customer.adjustBalance': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(
        w,
        (target) => () =>
          b.customer.adjustBalance.mutate({
            customerId: target.id,
            amount: { amount: 5_000, currency: target.currency },
            description: 'cross-tenant debt',
          }),
      ),
  },
  'customer.balanceTransactions.list': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(
        w,
        (target) => () => b.customer.balanceTransactions.list.query({ customerId: target.id }),
      ),
  },
  'customer.subscriptions.list': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(
        w,
        (target) => () => b.customer.subscriptions.list.query({ customerId: target.id }),
      ),
  },
  'customer.invoices.list': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(w, (target) => () => b.customer.invoices.list.query({ customerId: target.id })),
  },
  'customer.usage': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(w, (target) => () => b.customer.usage.query({ customerId: target.id })),
  },
  'customer.paymentMethods.add': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(
        w,
        (target) => () =>
          b.customer.paymentMethods.add.mutate({
            customerId: target.id,
            token: 'tok_visa',
            makeDefault: true,
          }),
      ),
  },
  'customer.paymentMethods.list': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(
        w,
        (target) => () => b.customer.paymentMethods.list.query({ customerId: target.id }),
      ),
  },
  'customer.paymentMethods.remove': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(
        w,
        (target) => () =>
          b.customer.paymentMethods.remove.mutate({
            customerId: target.id,
            paymentMethodId: w.a.paymentMethod,
          }),
      ),
  },
  'plan.create': {
    expect: 'own_scope',
    async check(b, w) {
      // Slugs are unique per scope too.
      const plan = await b.plan.create.mutate({
        name: 'B copy of A',
        slug: w.a.plan.slug,
        currency: 'USD',
        pricing: { baseAmount: 100, billingPeriod: 'monthly' },
      });
      expect(plan.id).not.toBe(w.a.plan.id);
      expect((await b.plan.get.query({ id: plan.id })).slug).toBe(w.a.plan.slug);
    },
  },
  'plan.get': {
    expect: 'not_found',
    attempts: (b, w) => [
      { label: 'plan', code: 'plan_not_found', call: () => b.plan.get.query({ id: w.a.plan.id }) },
    ],
  },
  'plan.list': {
    expect: 'own_scope',
    async check(b, w) {
      const plans = await b.plan.list.query({ status: 'all' });
      const ids = plans.data.map((plan) => plan.id);
      expect(ids).toContain(w.b.plan);
      expect(ids).not.toContain(w.a.plan.id);
    },
  },
  'plan.update': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: 'plan',
        code: 'plan_not_found',
        call: () => b.plan.update.mutate({ id: w.a.plan.id, name: 'Hijacked', status: 'archived' }),
      },
    ],
  },
  'subscription.create': {
    expect: 'not_found',
    attempts: (b, w) => [
      ...onCustomers(
        w,
        (target) => () => b.subscription.create.mutate({ customerId: target.id, planId: w.b.plan }),
      ),
      {
        label: "B's customer on A's plan",
        code: 'plan_not_found',
        call: () => b.subscription.create.mutate({ customerId: w.b.customer, planId: w.a.plan.id }),
      },
    ],
  },
  'subscription.get': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: 'subscription',
        code: 'subscription_not_found',
        call: () => b.subscription.get.query({ id: w.a.subscription }),
      },
    ],
  },
  'subscription.cancel': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: 'subscription',
        code: 'subscription_not_found',
        call: () => b.subscription.cancel.mutate({ id: w.a.subscription, immediately: true }),
      },
    ],
  },
  'subscription.pause': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: 'subscription',
        code: 'subscription_not_found',
        call: () => b.subscription.pause.mutate({ id: w.a.subscription }),
      },
    ],
  },
  'subscription.undoCancellation': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: 'subscription',
        code: 'subscription_not_found',
        call: () => b.subscription.undoCancellation.mutate({ id: w.a.subscription }),
      },
    ],
  },
  'subscription.resume': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: 'subscription',
        code: 'subscription_not_found',
        call: () => b.subscription.resume.mutate({ id: w.a.subscription }),
      },
    ],
  },
  'subscription.changePlan': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: "A's subscription to B's plan",
        code: 'subscription_not_found',
        call: () => b.subscription.changePlan.mutate({ id: w.a.subscription, planId: w.b.plan }),
      },
      {
        label: "B's subscription to A's plan",
        code: 'plan_not_found',
        call: () => b.subscription.changePlan.mutate({ id: w.b.subscription, planId: w.a.plan.id }),
      },
    ],
  },
  'meter.record': {
    expect: 'not_found',
    attempts: (b, w) => onCustomers(w, (target) => () => b.meter.record.mutate(usage(target.id))),
  },
  'meter.recordBatch': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(
        w,
        // B's own event first: the batch is all or none, so it must not be stored either.
        (target) => () =>
          b.meter.recordBatch.mutate({ events: [usage(w.b.customer), usage(target.id)] }),
      ),
  },
  'entitlement.check': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(
        w,
        (target) => () =>
          b.entitlement.check.mutate({ customerId: target.id, featureKey: 'api_calls' }),
      ),
  },
  'invoice.create': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: 'subscription',
        code: 'subscription_not_found',
        call: () => b.invoice.create.mutate({ subscriptionId: w.a.subscription }),
      },
    ],
  },
  'invoice.get': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: 'invoice',
        code: 'invoice_not_found',
        call: () => b.invoice.get.query({ id: w.a.invoice }),
      },
    ],
  },
  'invoice.finalize': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: 'invoice',
        code: 'invoice_not_found',
        call: () => b.invoice.finalize.mutate({ id: w.a.invoice }),
      },
    ],
  },
  'invoice.pay': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: 'invoice',
        code: 'invoice_not_found',
        call: () => b.invoice.pay.mutate({ id: w.a.invoice }),
      },
    ],
  },
  'invoice.void': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: 'invoice',
        code: 'invoice_not_found',
        call: () => b.invoice.void.mutate({ id: w.a.invoice, reason: 'cross-tenant' }),
      },
    ],
  },
  'customer.taxIds.verify': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(w, (target) => () => b.customer.taxIds.verify.mutate({ customerId: target.id })),
  },
  'customer.portal.create': {
    expect: 'not_found',
    attempts: (b, w) =>
      onCustomers(
        w,
        (target) => () =>
          b.customer.portal.create.mutate({
            customerId: target.id,
            returnUrl: 'https://tenant-b.example/back',
          }),
      ),
  },
  'portal.revokeSession': {
    expect: 'not_found',
    attempts: (b, w) => [
      {
        label: 'portal session',
        code: 'portal_session_not_found',
        call: () => b.portal.revokeSession.mutate({ id: w.a.portalSession }),
      },
    ],
  },
  'portal.configuration.get': {
    // Each scope has its own configuration: B sees its own defaults, not A's business.
    expect: 'own_scope',
    async check(b) {
      const mine = await b.portal.configuration.get.query();
      expect(mine.business.name).not.toBe(PORTAL_BUSINESS_A);
      expect(mine.defaultReturnUrl).not.toBe(PORTAL_RETURN_A);
    },
  },
  'portal.configuration.set': {
    // B's configuration is B's: A's stays as it was (the snapshot compares it).
    expect: 'own_scope',
    async check(b) {
      const set = await b.portal.configuration.set.mutate({
        business: { name: 'Tenant B over tRPC' },
        features: { invoiceHistory: { enabled: false } },
      });
      expect(set.business.name).toBe('Tenant B over tRPC');
      expect((await b.portal.configuration.get.query()).features.invoiceHistory.enabled).toBe(
        false,
      );
    },
  },
  'tax.rate': {
    // Rates are the deployment's, the same for every tenant: nothing of A to reach.
    expect: 'own_scope',
    async check(b) {
      expect(await b.tax.rate.query({ country: 'DE' })).toMatchObject({ rate: '0.19' });
    },
  },
  'fx.get': {
    expect: 'own_scope',
    async check(b) {
      expect((await b.fx.get.query()).base).toBe('USD');
    },
  },
  'fx.set': {
    // B's rates are B's: A's invoices keep converting at the reference (checked over REST).
    expect: 'own_scope',
    async check(b) {
      await b.fx.set.mutate({ base: 'USD', rates: { EUR: '0.5' } });
      expect((await b.fx.get.query()).rates.EUR).toBe('0.5');
    },
  },
  'event.get': {
    expect: 'not_found',
    attempts: (b, w) => [
      { label: 'event', code: 'event_not_found', call: () => b.event.get.query({ id: w.a.event }) },
    ],
  },
  'event.list': {
    expect: 'own_scope',
    async check(b, w) {
      expect((await b.event.list.query({ customerId: w.a.live.id })).data).toEqual([]);
      const ids = (await b.event.list.query({ limit: 100 })).data.map((event) => event.id);
      expect(ids).not.toContain(w.a.event);
    },
  },
  'payment.list': {
    expect: 'own_scope',
    async check(b, w) {
      for (const filter of [{ customerId: w.a.live.id }, { invoiceId: w.a.invoice }]) {
        const page = await b.payment.list.query(filter);
        expect(page.data, JSON.stringify(filter)).toEqual([]);
        expect(page.pagination.total, JSON.stringify(filter)).toBe(0);
      }
      const all = await b.payment.list.query();
      const customers = [w.a.live.id, w.a.deleted.id, w.a.twin.id];
      expect(all.data.filter((payment) => customers.includes(payment.customerId))).toEqual([]);
    },
  },
  'webhookEndpoint.create': {
    expect: 'own_scope',
    async check(b, w) {
      const created = await b.webhookEndpoint.create.mutate({
        url: 'https://b.example/hooks',
        enabledEvents: ['customer.*'],
      });
      expect(created.id).not.toBe(w.a.webhookEndpoint);
      const mine = (await b.webhookEndpoint.list.query({ limit: 100 })).data.map((e) => e.id);
      expect(mine).toContain(created.id);
      await b.webhookEndpoint.delete.mutate({ id: created.id });
    },
  },
  'webhookEndpoint.list': {
    expect: 'own_scope',
    async check(b, w) {
      const ids = (await b.webhookEndpoint.list.query({ limit: 100 })).data.map((e) => e.id);
      expect(ids).toContain(w.b.webhookEndpoint);
      expect(ids).not.toContain(w.a.webhookEndpoint);
    },
  },
  'webhookEndpoint.get': {
    expect: 'not_found',
    attempts: (b, w) => onEndpoint(() => b.webhookEndpoint.get.query({ id: w.a.webhookEndpoint })),
  },
  'webhookEndpoint.update': {
    expect: 'not_found',
    attempts: (b, w) =>
      onEndpoint(() =>
        b.webhookEndpoint.update.mutate({
          id: w.a.webhookEndpoint,
          url: 'https://b.example/stolen',
          enabledEvents: ['*'],
          status: 'disabled',
          metadata: { owner: 'tenant-b' },
        }),
      ),
  },
  'webhookEndpoint.delete': {
    expect: 'not_found',
    attempts: (b, w) =>
      onEndpoint(() => b.webhookEndpoint.delete.mutate({ id: w.a.webhookEndpoint })),
  },
  'webhookEndpoint.rotateSecret': {
    expect: 'not_found',
    attempts: (b, w) =>
      onEndpoint(() =>
        b.webhookEndpoint.rotateSecret.mutate({ id: w.a.webhookEndpoint, expirePreviousIn: 0 }),
      ),
  },
  'webhookEndpoint.deliveries': {
    expect: 'not_found',
    attempts: (b, w) =>
      onEndpoint(() =>
        b.webhookEndpoint.deliveries.query({ id: w.a.webhookEndpoint, eventId: w.a.event }),
      ),
  },
  'webhookEndpoint.replay': {
    expect: 'not_found',
    attempts: (b, w) => [
      ...onEndpoint(() =>
        b.webhookEndpoint.replay.mutate({ id: w.a.webhookEndpoint, eventIds: [w.a.event] }),
      ),
      ...onEndpoint(() =>
        b.webhookEndpoint.replay.mutate({ id: w.a.webhookEndpoint, since: new Date(0) }),
      ),
      {
        label: "A's event to B's endpoint",
        code: 'event_not_found',
        call: () =>
          b.webhookEndpoint.replay.mutate({ id: w.b.webhookEndpoint, eventIds: [w.a.event] }),
      },
    ],
  },
  'webhookEndpoint.test': {
    expect: 'not_found',
    attempts: (b, w) =>
      onEndpoint(() => b.webhookEndpoint.test.mutate({ id: w.a.webhookEndpoint })),
  },
};

/** A REST call of tenant B: values for the route's `:params` and the JSON body. */
interface RestRequest {
  params?: Record<string, string>;
  body?: unknown;
}

type RestCase = CrossTenantCase<TestLedger, RestRequest>;

function restOnCustomers(w: World, body?: (target: Target) => unknown) {
  return onCustomers(w, (target): RestRequest => {
    const request: RestRequest = { params: { id: target.id, email: target.email } };
    if (body) request.body = body(target);
    return request;
  });
}

const restUsage = (customerId: string) => ({
  customer_id: customerId,
  feature_key: 'api_calls',
  quantity: 5,
});

const on = (code: string, label: string, request: RestRequest): Array<Attempt<RestRequest>> => [
  { label, code, call: request },
];

const REST_CASES: Record<string, RestCase> = {
  'POST /ledger/customers': {
    expect: 'own_scope',
    async check(t, w) {
      const created = await t.rest<WireCustomer>('POST', '/ledger/customers', {
        key: t.keyB,
        body: { name: 'Twin of B', email: w.a.twin.email.toUpperCase(), currency: 'GBP' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ tenant_id: 'tenant-b', email: w.a.twin.email });
      expect(created.body.id).not.toBe(w.a.twin.id);
      const byEmail = `/ledger/customers/email/${encodeURIComponent(w.a.twin.email)}`;
      const mine = await t.rest<WireCustomer>('GET', byEmail, { key: t.keyB });
      expect(mine.body.id).toBe(created.body.id);
      const theirs = await t.rest<WireCustomer>('GET', byEmail);
      expect(theirs.body.id).toBe(w.a.twin.id);
      const removed = await t.rest('DELETE', `/ledger/customers/${created.body.id}`, {
        key: t.keyB,
      });
      expect(removed.status).toBe(204);
    },
  },
  'GET /ledger/customers': {
    expect: 'own_scope',
    async check(t, w) {
      const all = customerPage.parse(
        (await t.rest('GET', '/ledger/customers?status=all&limit=100', { key: t.keyB })).body,
      );
      expect(all.data.map((customer) => customer.id)).toContain(w.b.customer);
      expect(all.data.every((customer) => customer.tenant_id === 'tenant-b')).toBe(true);
      const ids = all.data.map((customer) => customer.id);
      for (const target of [w.a.live, w.a.deleted, w.a.twin]) expect(ids).not.toContain(target.id);
      for (const query of [
        `email=${encodeURIComponent(w.a.live.email)}`,
        `email=${encodeURIComponent(w.a.deleted.email)}`,
        'q=Tenant%20A',
        'metadata[owner]=tenant-a',
      ]) {
        const res = await t.rest('GET', `/ledger/customers?status=all&${query}`, { key: t.keyB });
        expect(res.status, query).toBe(200);
        const page = customerPage.parse(res.body);
        expect(page.data, query).toEqual([]);
        expect(page.pagination.total, query).toBe(0);
      }
    },
  },
  'GET /ledger/customers/email/:email': {
    expect: 'not_found',
    attempts: (_, w) => restOnCustomers(w),
  },
  'GET /ledger/customers/:id': { expect: 'not_found', attempts: (_, w) => restOnCustomers(w) },
  'PUT /ledger/customers/:id': {
    expect: 'not_found',
    attempts: (_, w) =>
      restOnCustomers(w, () => ({
        name: 'Hijacked',
        email: 'hijacked@tenant-b.example',
        tax_exempt: 'exempt',
      })),
  },
  'DELETE /ledger/customers/:id': {
    expect: 'not_found',
    attempts: (_, w) => restOnCustomers(w),
  },
  'POST /ledger/customers/:id/erase': {
    expect: 'not_found',
    attempts: (_, w) => restOnCustomers(w),
  },
  'POST /ledger/customers/:id/credit': {
    expect: 'not_found',
    attempts: (_, w) =>
      restOnCustomers(w, (target) => ({
        amount: { amount: 1_000, currency: target.currency },
        reason: 'cross-tenant credit',
      })),
  },
  'GET /ledger/customers/:id/balance-transactions': {
    expect: 'not_found',
    attempts: (_, w) => restOnCustomers(w),
  },
  'GET /ledger/customers/:id/subscriptions': {
    expect: 'not_found',
    attempts: (_, w) => restOnCustomers(w),
  },
  'GET /ledger/customers/:id/invoices': {
    expect: 'not_found',
    attempts: (_, w) => restOnCustomers(w),
  },
  'GET /ledger/customers/:id/usage': {
    expect: 'not_found',
    attempts: (_, w) => restOnCustomers(w),
  },
  'GET /ledger/customers/:id/payment-methods': {
    expect: 'not_found',
    attempts: (_, w) => restOnCustomers(w),
  },
  'POST /ledger/customers/:id/payment-methods': {
    expect: 'not_found',
    attempts: (_, w) => restOnCustomers(w, () => ({ token: 'tok_visa', make_default: true })),
  },
  'DELETE /ledger/customers/:id/payment-methods/:pm': {
    expect: 'not_found',
    attempts: (_, w) =>
      onCustomers(w, (target) => ({ params: { id: target.id, pm: w.a.paymentMethod } })),
  },
  'POST /ledger/plans': {
    expect: 'own_scope',
    async check(t, w) {
      // Slugs are unique per scope: B may take one that a plan of A has.
      const res = await t.rest<{ id: string; slug: string }>('POST', '/ledger/plans', {
        key: t.keyB,
        body: {
          name: 'B copy of A',
          slug: w.a.otherPlanSlug,
          currency: 'USD',
          pricing: { base_amount: 100, billing_period: 'monthly' },
        },
      });
      expect(res.status).toBe(201);
      expect(res.body.slug).toBe(w.a.otherPlanSlug);
      const mine = await t.rest<{ slug: string }>('GET', `/ledger/plans/${res.body.id}`, {
        key: t.keyB,
      });
      expect(mine.body.slug).toBe(w.a.otherPlanSlug);
    },
  },
  'GET /ledger/plans': {
    expect: 'own_scope',
    async check(t, w) {
      const res = await t.rest<{ data: Array<{ id: string }> }>('GET', '/ledger/plans?status=all', {
        key: t.keyB,
      });
      expect(res.status).toBe(200);
      const ids = res.body.data.map((plan) => plan.id);
      expect(ids).toContain(w.b.plan);
      expect(ids).not.toContain(w.a.plan.id);
    },
  },
  'GET /ledger/plans/:id': {
    expect: 'not_found',
    attempts: (_, w) => on('plan_not_found', 'plan', { params: { id: w.a.plan.id } }),
  },
  'PUT /ledger/plans/:id': {
    expect: 'not_found',
    attempts: (_, w) =>
      on('plan_not_found', 'plan', {
        params: { id: w.a.plan.id },
        body: { name: 'Hijacked', status: 'archived' },
      }),
  },
  'POST /ledger/subscriptions': {
    expect: 'not_found',
    attempts: (_, w) => [
      ...onCustomers(w, (target) => ({ body: { customer_id: target.id, plan_id: w.b.plan } })),
      ...on('plan_not_found', "B's customer on A's plan", {
        body: { customer_id: w.b.customer, plan_id: w.a.plan.id },
      }),
    ],
  },
  'GET /ledger/subscriptions/:id': {
    expect: 'not_found',
    attempts: (_, w) =>
      on('subscription_not_found', 'subscription', { params: { id: w.a.subscription } }),
  },
  'POST /ledger/subscriptions/:id/cancel': {
    expect: 'not_found',
    attempts: (_, w) =>
      on('subscription_not_found', 'subscription', {
        params: { id: w.a.subscription },
        body: { immediately: true },
      }),
  },
  'POST /ledger/subscriptions/:id/pause': {
    expect: 'not_found',
    attempts: (_, w) =>
      on('subscription_not_found', 'subscription', { params: { id: w.a.subscription } }),
  },
  'POST /ledger/subscriptions/:id/undo-cancellation': {
    expect: 'not_found',
    attempts: (_, w) =>
      on('subscription_not_found', 'subscription', { params: { id: w.a.subscription } }),
  },
  'POST /ledger/subscriptions/:id/resume': {
    expect: 'not_found',
    attempts: (_, w) =>
      on('subscription_not_found', 'subscription', { params: { id: w.a.subscription } }),
  },
  'POST /ledger/subscriptions/:id/change-plan': {
    expect: 'not_found',
    attempts: (_, w) => [
      ...on('subscription_not_found', "A's subscription to B's plan", {
        params: { id: w.a.subscription },
        body: { plan_id: w.b.plan },
      }),
      ...on('plan_not_found', "B's subscription to A's plan", {
        params: { id: w.b.subscription },
        body: { plan_id: w.a.plan.id },
      }),
    ],
  },
  'POST /ledger/meter/events': {
    expect: 'not_found',
    attempts: (_, w) => onCustomers(w, (target) => ({ body: restUsage(target.id) })),
  },
  'POST /ledger/meter/events/batch': {
    expect: 'not_found',
    attempts: (_, w) =>
      onCustomers(w, (target) => ({
        body: { events: [restUsage(w.b.customer), restUsage(target.id)] },
      })),
  },
  'POST /ledger/entitlements/check': {
    expect: 'not_found',
    attempts: (_, w) =>
      onCustomers(w, (target) => ({
        body: { customer_id: target.id, feature_key: 'api_calls' },
      })),
  },
  'POST /ledger/invoices': {
    expect: 'not_found',
    attempts: (_, w) =>
      on('subscription_not_found', 'subscription', {
        body: { subscription_id: w.a.subscription },
      }),
  },
  'GET /ledger/invoices/:id': {
    expect: 'not_found',
    attempts: (_, w) => on('invoice_not_found', 'invoice', { params: { id: w.a.invoice } }),
  },
  'GET /ledger/customers/:id/export': {
    expect: 'not_found',
    attempts: (_, w) => restOnCustomers(w),
  },
  'GET /ledger/invoices/:id/pdf': {
    expect: 'not_found',
    attempts: (_, w) => on('invoice_not_found', 'invoice', { params: { id: w.a.invoice } }),
  },
  'GET /ledger/invoices/:id/receipt.pdf': {
    expect: 'not_found',
    attempts: (_, w) => on('invoice_not_found', 'invoice', { params: { id: w.a.invoice } }),
  },
  'POST /ledger/invoices/:id/finalize': {
    expect: 'not_found',
    attempts: (_, w) => on('invoice_not_found', 'invoice', { params: { id: w.a.invoice } }),
  },
  'POST /ledger/invoices/:id/pay': {
    expect: 'not_found',
    attempts: (_, w) => on('invoice_not_found', 'invoice', { params: { id: w.a.invoice } }),
  },
  'POST /ledger/invoices/:id/void': {
    expect: 'not_found',
    attempts: (_, w) =>
      on('invoice_not_found', 'invoice', {
        params: { id: w.a.invoice },
        body: { reason: 'cross-tenant' },
      }),
  },
  'POST /ledger/customers/:id/tax-ids/verify': {
    expect: 'not_found',
    attempts: (_, w) => restOnCustomers(w),
  },
  'POST /ledger/customers/:id/portal': {
    expect: 'not_found',
    attempts: (_, w) => restOnCustomers(w, () => ({ return_url: 'https://tenant-b.example/back' })),
  },
  'POST /ledger/portal-sessions/:id/revoke': {
    expect: 'not_found',
    attempts: (_, w) =>
      on('portal_session_not_found', 'portal session', { params: { id: w.a.portalSession } }),
  },
  'GET /ledger/portal/configuration': {
    expect: 'own_scope',
    async check(t) {
      const mine = await t.rest<{ business: { name: string }; default_return_url: unknown }>(
        'GET',
        '/ledger/portal/configuration',
        { key: t.keyB },
      );
      expect(mine.status, mine.text).toBe(200);
      expect(mine.body.business.name).not.toBe(PORTAL_BUSINESS_A);
      expect(mine.body.default_return_url).not.toBe(PORTAL_RETURN_A);
    },
  },
  'PUT /ledger/portal/configuration': {
    expect: 'own_scope',
    async check(t) {
      const put = await t.rest<{ business: { name: string } }>(
        'PUT',
        '/ledger/portal/configuration',
        {
          key: t.keyB,
          body: { business: { name: 'Tenant B over REST' }, default_return_url: null },
        },
      );
      expect(put.status, put.text).toBe(200);
      expect(put.body.business.name).toBe('Tenant B over REST');
    },
  },
  'GET /ledger/tax/rate': {
    expect: 'own_scope',
    async check(t) {
      const res = await t.rest<{ rate: string }>('GET', '/ledger/tax/rate?country=DE', {
        key: t.keyB,
      });
      expect(res.body.rate).toBe('0.19');
    },
  },
  'GET /ledger/fx/rates': {
    expect: 'own_scope',
    async check(t) {
      const res = await t.rest<{ base: string }>('GET', '/ledger/fx/rates', { key: t.keyB });
      expect(res.body.base).toBe('USD');
    },
  },
  'PUT /ledger/fx/rates': {
    expect: 'own_scope',
    async check(t) {
      const put = await t.rest('PUT', '/ledger/fx/rates', {
        key: t.keyB,
        body: { base: 'USD', rates: { EUR: '0.4' } },
      });
      expect(put.status).toBe(200);
      const mine = await t.rest<{ overrides: unknown; rates: Record<string, string> }>(
        'GET',
        '/ledger/fx/rates',
      );
      expect(mine.body.overrides).toBeNull();
      expect(mine.body.rates.EUR).toBe('0.94');
    },
  },
  'GET /ledger/events/:id': {
    expect: 'not_found',
    attempts: (_, w) => on('event_not_found', 'event', { params: { id: w.a.event } }),
  },
  'GET /ledger/events': {
    expect: 'own_scope',
    async check(t, w) {
      const mine = await t.rest<{ data: Array<{ id: string }> }>(
        'GET',
        `/ledger/events?customer_id=${w.a.live.id}`,
        { key: t.keyB },
      );
      expect(mine.status).toBe(200);
      expect(mine.body.data).toEqual([]);
      const all = await t.rest<{ data: Array<{ id: string }> }>('GET', '/ledger/events?limit=100', {
        key: t.keyB,
      });
      expect(all.body.data.map((event) => event.id)).not.toContain(w.a.event);
    },
  },
  'GET /ledger/payments': {
    expect: 'own_scope',
    async check(t, w) {
      for (const query of [`customer_id=${w.a.live.id}`, `invoice_id=${w.a.invoice}`]) {
        const res = await t.rest<{ data: unknown[]; pagination: { total: number } }>(
          'GET',
          `/ledger/payments?${query}`,
          { key: t.keyB },
        );
        expect(res.status, query).toBe(200);
        expect(res.body.data, query).toEqual([]);
        expect(res.body.pagination.total, query).toBe(0);
      }
    },
  },
  'POST /ledger/webhook-endpoints': {
    expect: 'own_scope',
    async check(t, w) {
      const created = await t.rest<{ id: string }>('POST', '/ledger/webhook-endpoints', {
        key: t.keyB,
        body: { url: 'https://b.example/hooks', enabled_events: ['*'] },
      });
      expect(created.status).toBe(201);
      expect(created.body.id).not.toBe(w.a.webhookEndpoint);
      const theirs = await t.rest('GET', `/ledger/webhook-endpoints/${created.body.id}`);
      expect(theirs.status).toBe(404);
      const removed = await t.rest('DELETE', `/ledger/webhook-endpoints/${created.body.id}`, {
        key: t.keyB,
      });
      expect(removed.status).toBe(204);
    },
  },
  'GET /ledger/webhook-endpoints': {
    expect: 'own_scope',
    async check(t, w) {
      const all = await t.rest<{ data: Array<{ id: string }> }>(
        'GET',
        '/ledger/webhook-endpoints?limit=100',
        { key: t.keyB },
      );
      expect(all.status).toBe(200);
      const ids = all.body.data.map((endpoint) => endpoint.id);
      expect(ids).toContain(w.b.webhookEndpoint);
      expect(ids).not.toContain(w.a.webhookEndpoint);
      // B's own attempts log, filtered by A's event: nothing.
      const deliveries = await t.rest<{ data: unknown[] }>(
        'GET',
        `/ledger/webhook-endpoints/${w.b.webhookEndpoint}/deliveries?event_id=${w.a.event}`,
        { key: t.keyB },
      );
      expect(deliveries.status).toBe(200);
      expect(deliveries.body.data).toEqual([]);
    },
  },
  'GET /ledger/webhook-endpoints/:id': {
    expect: 'not_found',
    attempts: (_, w) => onEndpoint({ params: { id: w.a.webhookEndpoint } }),
  },
  'PUT /ledger/webhook-endpoints/:id': {
    expect: 'not_found',
    attempts: (_, w) =>
      onEndpoint({
        params: { id: w.a.webhookEndpoint },
        body: {
          url: 'https://b.example/stolen',
          enabled_events: ['*'],
          status: 'disabled',
          description: null,
          metadata: { owner: 'tenant-b' },
        },
      }),
  },
  'DELETE /ledger/webhook-endpoints/:id': {
    expect: 'not_found',
    attempts: (_, w) => onEndpoint({ params: { id: w.a.webhookEndpoint } }),
  },
  'POST /ledger/webhook-endpoints/:id/rotate-secret': {
    expect: 'not_found',
    attempts: (_, w) =>
      onEndpoint({ params: { id: w.a.webhookEndpoint }, body: { expire_previous_in: 0 } }),
  },
  'GET /ledger/webhook-endpoints/:id/deliveries': {
    expect: 'not_found',
    attempts: (_, w) => onEndpoint({ params: { id: w.a.webhookEndpoint } }),
  },
  'POST /ledger/webhook-endpoints/:id/replay': {
    expect: 'not_found',
    attempts: (_, w) => [
      ...onEndpoint({ params: { id: w.a.webhookEndpoint }, body: { event_ids: [w.a.event] } }),
      ...onEndpoint({
        params: { id: w.a.webhookEndpoint },
        body: { since: '2000-01-01T00:00:00Z' },
      }),
      ...on('event_not_found', "A's event to B's endpoint", {
        params: { id: w.b.webhookEndpoint },
        body: { event_ids: [w.a.event] },
      }),
    ],
  },
  'POST /ledger/webhook-endpoints/:id/test': {
    expect: 'not_found',
    attempts: (_, w) => onEndpoint({ params: { id: w.a.webhookEndpoint } }),
  },
};

/** The route with its parameters filled in; a parameter without a value fails loudly. */
function fillPath(route: string, params: Record<string, string>): string {
  return route.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`No value for :${name} in ${route}`);
    return encodeURIComponent(value);
  });
}

async function restCall(t: TestLedger, route: string, request: RestRequest) {
  const [method = '', pattern = ''] = route.split(' ');
  const call: RestCall = { key: t.keyB };
  if (request.body !== undefined) call.body = request.body;
  return t.rest<{ error: Record<string, unknown> }>(
    method,
    fillPath(pattern, request.params ?? {}),
    call,
  );
}

/**
 * The REST routes the running app serves under `/ledger` (the public document aside). Processor
 * webhooks (`POST /webhooks/stripe`) are outside the walk on purpose: they take no API key, and
 * their scope comes from the verified event's own data (payments.test.ts covers them).
 */
function servedRoutes(t: TestLedger): string[] {
  const routes = t.server.ledger.app.routes
    .filter(
      (route) =>
        route.method !== 'ALL' &&
        route.path.startsWith('/ledger/') &&
        route.path !== '/ledger/openapi.json',
    )
    .map((route) => `${route.method} ${route.path}`);
  return [...new Set(routes)].sort();
}

/** The REST routes as the operation declarations state them: the list this walk must cover. */
function declaredRoutes(): string[] {
  return OPERATIONS.map((op) => `${op.method.toUpperCase()} /ledger${honoPath(op.path)}`).sort();
}

async function trpcRejection(call: Promise<unknown>) {
  const error = await call.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  const { data } = error as TRPCClientError<AppRouter>;
  return { httpStatus: data?.httpStatus, trpcCode: data?.code, code: ledgerErrorOf(error)?.code };
}

const KIND_OF_PREFIX = new Map<string, IdKind>(
  Object.entries(ID_PREFIXES).map(([kind, prefix]) => [prefix, kind as IdKind]),
);

describe.each(testDatabaseKinds())('tenant isolation on %s', (kind) => {
  let t: TestLedger;
  let w: World;
  let b: LedgerClient;
  /** Each of A's ids and emails, and a stand-in of the same kind that exists nowhere. */
  let strangers: Array<[string, string]>;
  let receiver: TestReceiver;

  async function post<T>(path: string, body: unknown, key?: string): Promise<T> {
    const res = await t.rest<T>('POST', path, key === undefined ? { body } : { body, key });
    expect(res.status, `${path} ${res.text}`).toBeLessThan(300);
    return res.body;
  }

  /** Everything of tenant A that B's calls could touch, read as A. */
  async function snapshotA() {
    const read = async (path: string) => {
      const res = await t.rest('GET', path);
      expect(res.status, path).toBe(200);
      return res.body;
    };
    const customer = `/ledger/customers/${w.a.live.id}`;
    const endpoint = `/ledger/webhook-endpoints/${w.a.webhookEndpoint}`;
    return {
      live: CustomerObject.parse(await read(customer)),
      deleted: CustomerObject.parse(await read(`/ledger/customers/${w.a.deleted.id}`)),
      twin: CustomerObject.parse(await read(`/ledger/customers/${w.a.twin.id}`)),
      customers: customerPage.parse(await read('/ledger/customers?status=all&limit=100')),
      journal: await read(`${customer}/balance-transactions?limit=100`),
      subscriptions: await read(`${customer}/subscriptions`),
      invoices: await read(`${customer}/invoices`),
      usage: await read(`${customer}/usage`),
      paymentMethods: await read(`${customer}/payment-methods`),
      plan: await read(`/ledger/plans/${w.a.plan.id}`),
      plans: await read('/ledger/plans?status=all'),
      subscription: await read(`/ledger/subscriptions/${w.a.subscription}`),
      invoice: await read(`/ledger/invoices/${w.a.invoice}`),
      payments: await read('/ledger/payments?limit=100'),
      portalConfiguration: await read('/ledger/portal/configuration'),
      portalSession: await t.server.ledger.deps.store.getPortalSession(
        scopeA,
        w.a.portalSession as PortalSessionId,
      ),
      events: (await t.server.ledger.deps.store.listEvents(scopeA, { limit: 1_000 })).map(
        (event) => `${event.id} ${event.type}`,
      ),
      webhookEndpoint: await read(endpoint),
      webhookEndpoints: await read('/ledger/webhook-endpoints?limit=100'),
      webhookDeliveries: await read(`${endpoint}/deliveries?limit=100`),
      // A rotation would change only what the API never shows: the sealed secrets.
      webhookSecrets: await sealedSecretsOf(w.a.webhookEndpoint),
    };
  }
  let before: Awaited<ReturnType<typeof snapshotA>>;

  /** A's endpoint's sealed secrets as stored. */
  async function sealedSecretsOf(id: string) {
    const stored = await t.server.ledger.deps.store.getWebhookEndpoint(
      scopeA,
      id as WebhookEndpointId,
    );
    return stored && [stored.sealedSecret, stored.sealedPreviousSecret];
  }

  /** B's usage, which a refused batch must not have grown. */
  async function usageOfB() {
    return (await t.rest('GET', `/ledger/customers/${w.b.customer}/usage`, { key: t.keyB })).body;
  }

  /** The same request with every id and email of A swapped for one that exists nowhere. */
  function asStranger(request: RestRequest): RestRequest {
    let text = JSON.stringify(request);
    for (const [own, stranger] of strangers) text = text.replaceAll(own, stranger);
    return JSON.parse(text) as RestRequest;
  }

  /** An error with the ids and emails it names blanked, to compare two errors' shapes. */
  function blanked(res: RestResponse<{ error: Record<string, unknown> }>) {
    let message = String(res.body.error.message);
    for (const pair of strangers)
      for (const value of pair) message = message.replaceAll(value, '…');
    return { ...res.body.error, message, request_id: '…' };
  }

  beforeAll(async () => {
    t = await startTestLedger(kind);
    b = t.client(t.keyB);
    const plan = (slug: string) => ({
      name: `Plan ${slug}`,
      slug,
      currency: 'USD',
      features: [{ key: 'api_calls', name: 'API calls', type: 'metered', limit: 1_000 }],
      pricing: { base_amount: 2_000, billing_period: 'monthly' },
    });
    const live = await post<WireCustomer>('/ledger/customers', {
      name: 'Alice of Tenant A',
      email: 'alice@tenant-a.example',
      currency: 'USD',
      billing_address: { line1: '1 A Street', country: 'US', state: 'CA' },
      metadata: { owner: 'tenant-a' },
    });
    await post(`/ledger/customers/${live.id}/credit`, {
      amount: { amount: 700, currency: 'USD' },
      reason: 'welcome',
    });
    const deleted = await post<WireCustomer>('/ledger/customers', {
      name: 'Dora of Tenant A',
      email: 'dora@tenant-a.example',
      currency: 'EUR',
      metadata: { owner: 'tenant-a' },
    });
    expect((await t.rest('DELETE', `/ledger/customers/${deleted.id}`)).status).toBe(204);
    const twin = await post<WireCustomer>('/ledger/customers', {
      name: 'Tess of Tenant A',
      email: 'tess@shared.example',
      currency: 'USD',
    });
    const planA = await post<{ id: string; slug: string }>('/ledger/plans', plan('pro'));
    const otherPlanA = await post<{ id: string; slug: string }>('/ledger/plans', plan('team'));
    const subscription = await post<{ id: string }>('/ledger/subscriptions', {
      customer_id: live.id,
      plan_id: planA.id,
    });
    await post('/ledger/meter/events', restUsage(live.id));
    await post('/ledger/entitlements/check', { customer_id: live.id, feature_key: 'api_calls' });
    const invoice = await post<{ id: string }>('/ledger/invoices', {
      subscription_id: subscription.id,
    });
    const method = await post<{ id: string }>(`/ledger/customers/${live.id}/payment-methods`, {
      token: 'tok_visa',
    });
    const portalSet = await t.rest('PUT', '/ledger/portal/configuration', {
      body: { business: { name: PORTAL_BUSINESS_A }, default_return_url: PORTAL_RETURN_A },
    });
    expect(portalSet.status, portalSet.text).toBe(200);
    const portalSession = await post<{ id: string }>(`/ledger/customers/${live.id}/portal`, {});

    // B has objects of its own, so "B sees nothing of A" cannot pass by B seeing nothing at all.
    const customerB = await b.customer.create.mutate({
      name: 'Bea of B',
      email: 'bea@tenant-b.example',
      currency: 'USD',
    });
    const planB = await post<{ id: string }>('/ledger/plans', plan('basic'), t.keyB);
    const subscriptionB = await post<{ id: string }>(
      '/ledger/subscriptions',
      { customer_id: customerB.id, plan_id: planB.id },
      t.keyB,
    );

    // Each scope has an endpoint; A's has one settled delivery (its test event) in its log.
    receiver = await startReceiver(() => ({ status: 204 }));
    const endpointA = await post<{ id: string }>('/ledger/webhook-endpoints', {
      url: receiver.url,
      enabled_events: ['customer.*'],
      description: 'A hooks',
      metadata: { owner: 'tenant-a' },
    });
    const endpointB = await post<{ id: string }>(
      '/ledger/webhook-endpoints',
      { url: receiver.url, enabled_events: ['invoice.paid'] },
      t.keyB,
    );
    await post(`/ledger/webhook-endpoints/${endpointA.id}/test`, {});
    await receiver.waitFor(1);
    await t.server.ledger.webhooks.drain();

    const [firstEvent] = await t.server.ledger.deps.store.listEvents(scopeA, { limit: 1 });
    if (!firstEvent) throw new Error('tenant A has events');
    const target = (customer: WireCustomer): Target => ({
      id: customer.id,
      email: customer.email ?? '',
      currency: customer.currency,
    });
    w = {
      a: {
        live: target(live),
        deleted: target(deleted),
        twin: target(twin),
        plan: { id: planA.id, slug: planA.slug },
        otherPlanSlug: otherPlanA.slug,
        subscription: subscription.id,
        invoice: invoice.id,
        paymentMethod: method.id,
        event: firstEvent.id,
        portalSession: portalSession.id,
        webhookEndpoint: endpointA.id,
      },
      b: {
        customer: customerB.id,
        plan: planB.id,
        subscription: subscriptionB.id,
        webhookEndpoint: endpointB.id,
      },
    };
    const ids = [
      live.id,
      deleted.id,
      twin.id,
      planA.id,
      subscription.id,
      invoice.id,
      method.id,
      firstEvent.id,
      portalSession.id,
      endpointA.id,
    ];
    strangers = [
      ...ids.map((id): [string, string] => {
        const idKind = KIND_OF_PREFIX.get(id.slice(0, id.lastIndexOf('_')));
        if (!idKind) throw new Error(`unknown id kind of ${id}`);
        return [id, newId(idKind)];
      }),
      [live.email ?? '', 'nobody.live@nowhere.example'],
      [deleted.email ?? '', 'nobody.deleted@nowhere.example'],
    ];
    before = await snapshotA();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('starts from tenant A data worth protecting', () => {
    expect(before.live).toMatchObject({
      tenant_id: 'tenant-a',
      name: 'Alice of Tenant A',
      email: 'alice@tenant-a.example',
      status: 'active',
      balance: { amount: -700, currency: 'USD' },
    });
    expect(before.deleted.status).toBe('deleted');
    expect(before.customers.pagination.total).toBe(3);
    expect(before.usage).toMatchObject({ usage: { api_calls: { used: 5 } } });
    expect(before.subscription).toMatchObject({ status: 'active', customer_id: w.a.live.id });
    expect(before.invoice).toMatchObject({ status: 'draft', customer_id: w.a.live.id });
    expect(before.live.default_payment_method).toBe(w.a.paymentMethod);
    expect(before.paymentMethods).toMatchObject({ data: [{ id: w.a.paymentMethod }] });
    expect(before.events.length).toBeGreaterThanOrEqual(6);
    expect(before.portalConfiguration).toMatchObject({
      business: { name: PORTAL_BUSINESS_A },
      default_return_url: PORTAL_RETURN_A,
    });
    expect(before.portalSession).toMatchObject({ customerId: w.a.live.id, revokedAt: null });
    expect(before.webhookEndpoint).toMatchObject({ id: w.a.webhookEndpoint, status: 'enabled' });
    expect(before.webhookDeliveries).toMatchObject({
      data: [{ event_type: 'webhook_endpoint.test', status: 'succeeded' }],
    });
    expect(before.webhookSecrets?.[0]).toEqual(expect.any(String));
  });

  it('covers exactly the tRPC procedures of the router', () => {
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(procedures.length).toBeGreaterThan(0);
    expect(Object.keys(TRPC_CASES).sort()).toEqual(procedures);
  });

  it('covers exactly the declared REST operations, which are exactly what the app serves', () => {
    const declared = declaredRoutes();
    expect(declared.length).toBeGreaterThan(0);
    expect(Object.keys(REST_CASES).sort()).toEqual(declared);
    expect(servedRoutes(t)).toEqual(declared);
  });

  describe.each(Object.keys(TRPC_CASES))('tRPC %s as tenant B', (name) => {
    it("finds nothing of tenant A's and changes nothing of it", async () => {
      const entry = TRPC_CASES[name];
      if (!entry) throw new Error(`no case for ${name}`);
      const usageB = await usageOfB();
      if (entry.expect === 'own_scope') {
        await entry.check(b, w);
      } else {
        const attempts = entry.attempts(b, w);
        expect(attempts.length).toBeGreaterThan(0);
        for (const attempt of attempts) {
          expect(await trpcRejection(attempt.call()), `${name}: ${attempt.label}`).toEqual({
            httpStatus: 404,
            trpcCode: 'NOT_FOUND',
            code: attempt.code,
          });
        }
        expect(await usageOfB()).toEqual(usageB);
      }
      expect(await snapshotA()).toEqual(before);
    });
  });

  describe.each(Object.keys(REST_CASES))('REST %s as tenant B', (route) => {
    it("finds nothing of tenant A's and changes nothing of it", async () => {
      const entry = REST_CASES[route];
      if (!entry) throw new Error(`no case for ${route}`);
      const usageB = await usageOfB();
      if (entry.expect === 'own_scope') {
        await entry.check(t, w);
      } else {
        const attempts = entry.attempts(t, w);
        expect(attempts.length).toBeGreaterThan(0);
        for (const attempt of attempts) {
          const label = `${route}: ${attempt.label}`;
          const res = await restCall(t, route, attempt.call);
          expect(res.status, label).toBe(404);
          expect(res.body.error, label).toMatchObject({ type: 'not_found', code: attempt.code });
          // To B, A's object is indistinguishable from one that never existed (no oracle).
          const stranger = await restCall(t, route, asStranger(attempt.call));
          expect(blanked(res), label).toEqual(blanked(stranger));
        }
        expect(await usageOfB()).toEqual(usageB);
      }
      expect(await snapshotA()).toEqual(before);
    });
  });

  it("does not let B reach A's payment method through B's own customer", async () => {
    const refusals = async (paymentMethodId: string) => {
      const removal = await trpcRejection(
        b.customer.paymentMethods.remove.mutate({ customerId: w.b.customer, paymentMethodId }),
      );
      const asDefault = await t.rest<{ error: Record<string, unknown> }>(
        'PUT',
        `/ledger/customers/${w.b.customer}`,
        { key: t.keyB, body: { default_payment_method: paymentMethodId } },
      );
      return { removal, asDefault: { status: asDefault.status, code: asDefault.body.error.code } };
    };
    const theirs = await refusals(w.a.paymentMethod);
    expect(theirs).toEqual({
      removal: { httpStatus: 400, trpcCode: 'BAD_REQUEST', code: 'payment_method_not_found' },
      asDefault: { status: 400, code: 'payment_method_not_found' },
    });
    // A's method is refused exactly like one that never existed.
    expect(await refusals(newId('paymentMethod'))).toEqual(theirs);
    expect(await snapshotA()).toEqual(before);
  });

  it("lets B use an email that one of A's customers has, in create and update", async () => {
    const renamed = await b.customer.update.mutate({ id: w.b.customer, email: w.a.live.email });
    expect(renamed).toMatchObject({ tenantId: 'tenant-b', email: w.a.live.email });
    const mine = await b.customer.getByEmail.query({ email: w.a.live.email });
    expect(mine.id).toBe(w.b.customer);
    const theirs = await t.client().customer.getByEmail.query({ email: w.a.live.email });
    expect(theirs).toMatchObject({ id: w.a.live.id, tenantId: 'tenant-a' });
    await b.customer.update.mutate({ id: w.b.customer, email: 'bea@tenant-b.example' });
    expect(await snapshotA()).toEqual(before);
  });
});
