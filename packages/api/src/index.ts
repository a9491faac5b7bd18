export { type AppOptions, createApp } from './app.js';
export { type ApiDeps, serviceContext } from './deps.js';
export { ERROR_TABLE, type ErrorStatus, type ErrorType } from './errors/status-table.js';
export type { LedgerErrorData, LedgerTrpcErrorShape } from './errors/trpc-shape.js';
export * from './rest/billing-wire-schemas.js';
export { openApiDocument } from './rest/openapi.js';
export * from './rest/wire-schemas.js';
export { type AppRouter, appRouter, type RouterInputs, type RouterOutputs } from './trpc/router.js';
