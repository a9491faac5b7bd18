import { z } from 'zod';

/** The levels `LEDGER_LOG_LEVEL` accepts: pino's, most severe first, and `silent` (nothing). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A log level: lines below it are not written. */
export type LogLevel = (typeof LOG_LEVELS)[number];

const optional = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/**
 * The configuration contract of ARCHITECTURE.md, validated once. This is the only module that
 * reads `process.env`; everything else receives a `Config`.
 */
export const ConfigSchema = z.object({
  // Digits only: an empty PORT must not quietly become port 0 (a random port).
  PORT: z
    .string()
    .regex(/^\d+$/, 'must be a port number (0-65535)')
    .default('3000')
    .transform(Number)
    .pipe(z.number().int().max(65_535)),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: optional.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  LEDGER_DATA_DIR: z.string().min(1).default('./.ledger/data'),
  LEDGER_PUBLIC_URL: optional.pipe(z.url().optional()),
  LEDGER_DEV_API_KEY: optional.pipe(z.string().min(16).optional()),
  LEDGER_TAX_ORIGIN: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code')
    .transform((code) => code.toUpperCase())
    .default('US'),
  /** JSON tax rate overrides laid over the shipped table (same shape as `tax/rates.json`). */
  LEDGER_TAX_RATES_FILE: optional,
  /** How often the billing job runs (0 turns it off, e.g. in tests that drive time). */
  LEDGER_BILLING_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  /** Browser origins allowed to call the API, comma-separated (unset: no CORS). */
  LEDGER_CORS_ORIGINS: optional.transform((value) =>
    (value ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
  ),
  /** The least severe log lines written (any case); `silent` writes none. */
  LEDGER_LOG_LEVEL: optional
    .transform((value) => value?.toLowerCase())
    .pipe(z.enum(LOG_LEVELS).default('info')),
  STRIPE_SECRET_KEY: optional,
  STRIPE_WEBHOOK_SECRET: optional,
  STRIPE_API_BASE: optional.pipe(z.url().optional()),
  /** How long one Stripe request may take before it counts as a timeout (504). */
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
});

/** Validated configuration. */
export type Config = z.output<typeof ConfigSchema>;

/** Parses the environment, naming every bad variable at once instead of failing later. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `  ${issue.path.join('.')}: ${issue.message}`,
    );
    throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  }
  return result.data;
}
