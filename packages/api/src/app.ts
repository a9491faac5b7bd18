import { trpcServer } from '@hono/trpc-server';
import { LedgerError } from '@ledger/domain';
import { Hono } from 'hono';
import { type ApiDeps, serviceContext } from './deps.js';
import { authenticate } from './http/auth.js';
import { limitBody } from './http/body-limit.js';
import { docsPage } from './http/docs-page.js';
import type { AppEnv } from './http/env.js';
import { idempotency } from './http/idempotency.js';
import { type ErrorLogger, onError } from './http/on-error.js';
import { requestId } from './http/request-id.js';
import { billingRoutes } from './rest/billing.js';
import { customerRoutes } from './rest/customers.js';
import { openApiDocument } from './rest/openapi.js';
import { paymentMethodRoutes } from './rest/payment-methods.js';
import { taxFxRoutes } from './rest/tax-fx.js';
import { webhookRoutes } from './rest/webhooks.js';
import { appRouter } from './trpc/router.js';

/** Options of the HTTP app beyond its dependencies. */
export interface AppOptions {
  logError?: ErrorLogger;
}

/**
 * The whole HTTP surface: `/trpc` (typed client), `/ledger/*` (REST shim), the OpenAPI document
 * and `/healthz`. Both API doors share auth, the body limit, idempotency and error mapping.
 */
export function createApp(deps: ApiDeps, options: AppOptions = {}) {
  const app = new Hono<AppEnv>();
  const guard = [
    authenticate(deps.platform),
    limitBody(),
    idempotency(deps.platform, () => deps.clock.now()),
  ] as const;

  app.use('*', requestId());
  app.onError(onError(options.logError ?? ((error) => console.error(error))));
  app.notFound(() => {
    throw new LedgerError('not_found', 'No such route');
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/ledger/openapi.json', (c) => c.json(openApiDocument()));
  app.route('/', docsPage());

  app.use('/ledger/*', ...guard);
  app.route('/ledger', customerRoutes(deps));
  app.route('/ledger', paymentMethodRoutes(deps));
  app.route('/ledger', billingRoutes(deps));
  app.route('/ledger', taxFxRoutes(deps));

  app.use('/webhooks/*', limitBody());
  app.route('/webhooks', webhookRoutes(deps));

  app.use('/trpc/*', ...guard);
  app.use(
    '/trpc/*',
    trpcServer({
      router: appRouter,
      endpoint: '/trpc',
      createContext: (_opts, c) => ({
        services: serviceContext(deps, c.get('scope')),
        requestId: c.get('requestId'),
      }),
    }),
  );
  return app;
}
