import { newId } from './ids.js';
import type { BillingGuards, Clock, IdGenerator, Logger } from './ports.js';

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** TypeID generation (UUIDv7 inside, so ids sort by creation time). */
export const typeIdGenerator: IdGenerator = { newId };

/**
 * Guards for a deployment without billing objects: no subscriptions, no invoices. The billing
 * core replaces it with guards that read its tables.
 */
export const noBillingGuards: BillingGuards = {
  hasActiveSubscriptions: async () => false,
  hasBillingHistory: async () => false,
};

/**
 * A logger that drops every line: the default for programs and tests that do not want the
 * domain's warnings. A deployment should pass one that writes somewhere (the server's writes to
 * stderr).
 */
export const silentLogger: Logger = {
  warn: () => {},
  error: () => {},
};
