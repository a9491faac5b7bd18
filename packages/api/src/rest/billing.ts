import {
  type CancelSubscriptionInput,
  type ChangePlanInput,
  type CheckEntitlementInput,
  type CreateInvoiceInput,
  type CreatePlanInput,
  type CreateSubscriptionInput,
  cancelSubscription,
  changePlan,
  checkEntitlement,
  createInvoice,
  createPlan,
  createSubscription,
  finalizeInvoice,
  getInvoice,
  getPlan,
  getSubscription,
  type ListPaymentsInput,
  type ListPlansInput,
  listPayments,
  listPlans,
  pauseSubscription,
  payInvoice,
  type RecordUsageBatchInput,
  recordUsage,
  recordUsageBatch,
  resumeSubscription,
  type UpdatePlanInput,
  type UsageEventInput,
  updatePlan,
  type VoidInvoiceInput,
  voidInvoice,
} from '@ledger/domain';
import { Hono } from 'hono';
import type { ApiDeps } from '../deps.js';
import type { AppEnv } from '../http/env.js';
import { toWire } from './casing.js';
import { readBody, readQuery, services, withPathParams } from './request.js';

/** The billing routes of REST.md ("Billing routes"), under `/ledger`. */
export function billingRoutes(deps: ApiDeps) {
  const id = (c: { req: { param(name: 'id'): string } }) => ({ id: c.req.param('id') });
  return new Hono<AppEnv>()
    .post('/plans', async (c) =>
      c.json(toWire(await createPlan(services(c, deps), await readBody<CreatePlanInput>(c))), 201),
    )
    .get('/plans', async (c) =>
      c.json(toWire(await listPlans(services(c, deps), readQuery<ListPlansInput>(c)))),
    )
    .get('/plans/:id', async (c) => c.json(toWire(await getPlan(services(c, deps), id(c)))))
    .put('/plans/:id', async (c) =>
      c.json(
        toWire(
          await updatePlan(
            services(c, deps),
            withPathParams<UpdatePlanInput>(await readBody(c), id(c)),
          ),
        ),
      ),
    )
    .post('/subscriptions', async (c) =>
      c.json(
        toWire(
          await createSubscription(services(c, deps), await readBody<CreateSubscriptionInput>(c)),
        ),
        201,
      ),
    )
    .get('/subscriptions/:id', async (c) =>
      c.json(toWire(await getSubscription(services(c, deps), id(c)))),
    )
    .post('/subscriptions/:id/cancel', async (c) =>
      c.json(
        toWire(
          await cancelSubscription(
            services(c, deps),
            withPathParams<CancelSubscriptionInput>(await readBody(c), id(c)),
          ),
        ),
      ),
    )
    .post('/subscriptions/:id/pause', async (c) =>
      c.json(
        toWire(
          await pauseSubscription(services(c, deps), withPathParams(await readBody(c), id(c))),
        ),
      ),
    )
    .post('/subscriptions/:id/resume', async (c) =>
      c.json(
        toWire(
          await resumeSubscription(services(c, deps), withPathParams(await readBody(c), id(c))),
        ),
      ),
    )
    .post('/subscriptions/:id/change-plan', async (c) =>
      c.json(
        toWire(
          await changePlan(
            services(c, deps),
            withPathParams<ChangePlanInput>(await readBody(c), id(c)),
          ),
        ),
      ),
    )
    .post('/meter/events', async (c) =>
      c.json(toWire(await recordUsage(services(c, deps), await readBody<UsageEventInput>(c))), 202),
    )
    .post('/meter/events/batch', async (c) =>
      c.json(
        toWire(await recordUsageBatch(services(c, deps), await readBody<RecordUsageBatchInput>(c))),
        202,
      ),
    )
    .post('/entitlements/check', async (c) => {
      const check = await checkEntitlement(
        services(c, deps),
        await readBody<CheckEntitlementInput>(c),
      );
      const { allowed, feature, used, limit, remaining, softLimit, reason } = check;
      return c.json(
        toWire({
          allowed,
          feature,
          used,
          limit,
          remaining,
          softLimit,
          ...(reason ? { reason } : {}),
        }),
      );
    })
    .post('/invoices', async (c) =>
      c.json(
        toWire(await createInvoice(services(c, deps), await readBody<CreateInvoiceInput>(c))),
        201,
      ),
    )
    .get('/invoices/:id', async (c) => c.json(toWire(await getInvoice(services(c, deps), id(c)))))
    .post('/invoices/:id/finalize', async (c) =>
      c.json(
        toWire(await finalizeInvoice(services(c, deps), withPathParams(await readBody(c), id(c)))),
      ),
    )
    .post('/invoices/:id/pay', async (c) =>
      c.json(toWire(await payInvoice(services(c, deps), withPathParams(await readBody(c), id(c))))),
    )
    .post('/invoices/:id/void', async (c) =>
      c.json(
        toWire(
          await voidInvoice(
            services(c, deps),
            withPathParams<VoidInvoiceInput>(await readBody(c), id(c)),
          ),
        ),
      ),
    )
    .get('/payments', async (c) =>
      c.json(toWire(await listPayments(services(c, deps), readQuery<ListPaymentsInput>(c)))),
    );
}
