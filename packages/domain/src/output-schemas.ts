/**
 * The domain's output schemas: the zod shapes of what the verbs return (camelCase, `Date`s,
 * `Money` without display). The REST shim derives its snake_case response schemas from these by
 * one transformation, so the two doors cannot disagree about a shape.
 */
export * from './billing/output-schemas.js';
export * from './customer/export-schema.js';
export * from './customer/output-schemas.js';
export * from './events/output-schemas.js';
export * from './payment-method/output-schemas.js';
export * from './portal/output-schemas.js';
export * from './schemas/output-schemas.js';
export * from './tax/output-schemas.js';
export * from './webhooks/output-schemas.js';
