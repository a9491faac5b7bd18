import type { LogFields, Logger } from '@ledger/domain';
import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';
import type { LogLevel } from './env.js';
import { safeError } from './safe-error.js';

/** The server's log: pino, writing one JSON object a line. */
export type ServerLog = PinoLogger;

/** Fields that hold personal data, key material or request content wherever they appear. */
const SENSITIVE = [
  'email',
  'phone',
  'address',
  'billingAddress',
  'billing_address',
  'taxIds',
  'tax_ids',
  'body',
  'query',
  'params',
  'parameters',
  'headers',
  'authorization',
  'cookie',
  'apiKey',
  'api_key',
  'secret',
  'keyHash',
  'key_hash',
  'password',
] as const;

/**
 * pino's redaction, the second line of defence behind "log only what is named": a field of
 * {@link SENSITIVE} at the top of a line or one level down is written as `[redacted]`. `name` is
 * redacted only where it is a customer's (an error's `name` is its class).
 */
const REDACT = [
  ...SENSITIVE,
  ...SENSITIVE.map((field) => `*.${field}`),
  '["x-api-key"]',
  '*["x-api-key"]',
  'name',
  'customer.name',
  'customer.email',
  '*.customer.name',
  '*.customer.email',
];

/**
 * The server's logger: JSON lines on stderr (stdout is the CLI's, for what it tells its user),
 * the level by name, an ISO time, every error under `err`/`error` through {@link safeError}, and
 * the sensitive fields redacted. `destination` is where lines go (tests give a file).
 */
export function createLog(
  level: LogLevel,
  destination: DestinationStream = pino.destination(2),
): ServerLog {
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: safeError, error: safeError },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination,
  );
}

/** Fields of a domain line with every error among them sanitised, whatever its key. */
function safeFields(fields: LogFields | undefined): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields ?? {}))
    safe[key] = value instanceof Error ? safeError(value) : value;
  return safe;
}

/** The domain's `Logger` port on the server's log: what it tolerated (warn) or skipped (error). */
export function domainLogger(log: ServerLog): Logger {
  return {
    warn: (message, fields) => log.warn(safeFields(fields), message),
    error: (message, fields) => log.error(safeFields(fields), message),
  };
}

/** The API's error logger on the server's log: an unexpected error, with its request id. */
export function errorLogger(log: ServerLog): (error: unknown, requestId: string) => void {
  return (error, requestId) =>
    log.error({ request_id: requestId, err: error }, 'unexpected error answering a request');
}
