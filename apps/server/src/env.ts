import { z } from 'zod';

const optional = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/**
 * A duration in whole milliseconds, 0 or more; unset (or empty) is `fallback`. Capped at what a
 * timer can wait (Node turns a longer delay into 1 ms).
 */
const milliseconds = (fallback: number) =>
  optional
    .pipe(
      z.string().regex(/^\d+$/, 'must be a whole number of milliseconds (0 or more)').optional(),
    )
    .transform((value) => (value === undefined ? fallback : Number(value)))
    .pipe(z.number().max(2_147_483_647, 'must be at most 2147483647 (about 24.8 days)'));

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
  /**
   * How long a stopping server waits for the requests in flight before it cuts their
   * connections and closes the database anyway.
   */
  LEDGER_SHUTDOWN_TIMEOUT_MS: milliseconds(10_000),
  /** Browser origins allowed to call the API, comma-separated (unset: no CORS). */
  LEDGER_CORS_ORIGINS: optional.transform((value) =>
    (value ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
  ),
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
