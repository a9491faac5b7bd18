export * from './api-keys.js';
export * from './balance-transactions.js';
export * from './billing.js';
export * from './customers.js';
export * from './events.js';
export * from './idempotency-keys.js';
export * from './payment-methods.js';
export * from './processors.js';
