export { type AppOptions, createApp } from './app.js';
export { type ApiDeps, serviceContext } from './deps.js';
export { camelParam, type ErrorEnvelope, errorEnvelope } from './errors/envelope.js';
export { ERROR_TABLE, type ErrorStatus, type ErrorType } from './errors/status-table.js';
export type { LedgerErrorData, LedgerTrpcErrorShape } from './errors/trpc-shape.js';
export type { ErrorLogger } from './http/on-error.js';
export { type Budget, clientKey, type RateLimit, type RateLimits } from './http/rate-limit.js';
export {
  ADDRESS_CLEAR_MS,
  createRateLimiter,
  type SharedLimiterFactory,
  type SharedLimiterOptions,
} from './http/rate-limiter.js';
export type { RequestLine, RequestLogger } from './http/request-log.js';
export { invoicePdf } from './pdf/invoice-pdf.js';
export { receiptPdf } from './pdf/receipt-pdf.js';
export { PORTAL_COOKIE, type PortalOptions } from './portal/routes.js';
export { type SnakeCase, toWire, type Wire } from './rest/casing.js';
export { errorsOf } from './rest/errors-of.js';
export { honoPath } from './rest/mount.js';
export { buildOpenApiDocument, ErrorObject, openApiDocument } from './rest/openapi.js';
export type {
  FileAnswer,
  FileMediaType,
  InputSource,
  Operation,
  Tag,
} from './rest/operation.js';
export { OPERATIONS } from './rest/operations/index.js';
export * from './rest/wire.js';
export { type AppRouter, appRouter, type RouterInputs, type RouterOutputs } from './trpc/router.js';
