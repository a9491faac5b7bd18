import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/env.js';
import { type Budget, budgetOf, type RateLimiter, showRateLimit } from '../http/rate-limit.js';
import type { Operation } from './operation.js';

/** Methods that only read: they spend the reads budget unless their operation says otherwise. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `/customers/{id}` as a pattern of the request path under `/ledger`. */
function pathPattern(path: string): RegExp {
  const parts = path
    .split(/\{[^}]+\}/)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^/ledger${parts.join('[^/]+')}$`);
}

/**
 * The budget each REST request spends: the one its operation declares (`budget`), else reads
 * for a `GET` and writes for anything else, a path no operation declares included (a 404 is
 * still a request).
 */
export function restBudgets(
  operations: readonly Operation[],
): (method: string, path: string) => Budget {
  const declared = operations.flatMap((op) =>
    op.budget
      ? [{ method: op.method.toUpperCase(), pattern: pathPattern(op.path), budget: op.budget }]
      : [],
  );
  return (method, path) =>
    declared.find((d) => d.method === method && d.pattern.test(path))?.budget ??
    budgetOf(!READ_METHODS.has(method));
}

/**
 * Spends one request of its budget for the authenticated key (after `authenticate`, before the
 * body is read or an idempotency key reserved): a spent budget is `429 rate_limited` with
 * `Retry-After`; every counted answer carries the budget's `RateLimit-*` headers, set again
 * after the handler so that a replayed idempotent answer carries them too.
 */
export function limitRate(
  limiter: RateLimiter,
  budgetOfRequest: (method: string, path: string) => Budget,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const outcome = await limiter.spend(
      budgetOfRequest(c.req.method, c.req.path),
      c.get('apiKeyId'),
    );
    if (!outcome) return next();
    if (outcome.refusal) {
      showRateLimit(c, outcome);
      throw outcome.refusal;
    }
    await next();
    showRateLimit(c, outcome);
  };
}
