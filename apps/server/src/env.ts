import { z } from 'zod';

/** The levels `LEDGER_LOG_LEVEL` accepts: pino's, most severe first, and `silent` (nothing). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A log level: lines below it are not written. */
export type LogLevel = (typeof LOG_LEVELS)[number];

const optional = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/** `100`, `100/1s`, `20/m`, `5/10s`, `0`: see {@link rateLimit}. */
const RATE_LIMIT = /^(\d+)(?:\/(\d*)(s|m))?$/;
/** A limit's ceiling, and its window's (the store counts in 32-bit integers of points and ms). */
const MAX_POINTS = 1_000_000_000;
const MAX_WINDOW_SECONDS = 86_400;

/**
 * A rate limit budget: a request count per `defaultWindow` seconds (`100`), or per a window
 * given after a slash in seconds or minutes (`100/1s`, `20/m`, `5/10s`); `0` turns it off
 * (`null`). Unset or empty, `fallback`.
 */
function rateLimit(fallback: string, defaultWindow: number) {
  return optional.transform((value, ctx) => {
    const match = RATE_LIMIT.exec((value ?? fallback).trim());
    const points = Number(match?.[1]);
    const count = match?.[2] ? Number(match[2]) : 1;
    const duration = match?.[3] ? count * (match[3] === 'm' ? 60 : 1) : defaultWindow;
    if (!match || points > MAX_POINTS || duration < 1 || duration > MAX_WINDOW_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a request count (at most ${MAX_POINTS}), optionally per a window of 1 s to 1 day: 100, 100/1s, 20/m, 5/10s, or 0 (off)`,
      });
      return z.NEVER;
    }
    return points === 0 ? null : { points, duration };
  });
}

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

/** What `LEDGER_DB_POOL_SIZE` must be. */
const POOL_SIZE = 'must be a whole number of connections (2 to 1000)';

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
  /**
   * PostgreSQL's `statement_timeout` (and `idle_in_transaction_session_timeout`) for Ledger's
   * connections: a statement stuck behind a lock answers 503 instead of holding a request open.
   */
  LEDGER_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /**
   * PostgreSQL only: the connections each process pools. Ten by default; on a machine with few
   * cores a smaller pool can serve more (each busy backend is a process competing for them), so
   * it is a setting rather than a constant. At least 2, so one open transaction does not stall
   * every other request.
   */
  LEDGER_DB_POOL_SIZE: optional
    .pipe(z.string().regex(/^\d+$/, POOL_SIZE).optional())
    .transform((value) => (value === undefined ? 10 : Number(value)))
    .pipe(z.number().min(2, POOL_SIZE).max(1000, POOL_SIZE)),
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
  /** How long events stay readable (`GET /ledger/events`) once delivered; `0` keeps them. */
  LEDGER_EVENT_RETENTION_DAYS: z.coerce.number().int().min(0).default(90),
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
  /** Per API key: reads (REST GET, tRPC queries), per second unless a window is given. */
  LEDGER_RATE_LIMIT_READS: rateLimit('100', 1),
  /** Per API key: writes (REST POST, PUT, DELETE; tRPC mutations) other than usage ingest. */
  LEDGER_RATE_LIMIT_WRITES: rateLimit('100', 1),
  /** Per API key: usage reports (`/meter/events`, `meter.record`, their batches). */
  LEDGER_RATE_LIMIT_INGEST: rateLimit('1000', 1),
  /** Per client address: failed authentications, per minute unless a window is given. */
  LEDGER_RATE_LIMIT_AUTH_FAILURES: rateLimit('20', 60),
  /** The least severe log lines written (any case); `silent` writes none. */
  LEDGER_LOG_LEVEL: optional
    .transform((value) => value?.toLowerCase())
    .pipe(z.enum(LOG_LEVELS).default('info')),
  /**
   * Encrypts webhook endpoints' signing secrets in the database. Required with DATABASE_URL; the
   * embedded PGlite default makes one and keeps it in LEDGER_DATA_DIR (`secret.key`).
   */
  LEDGER_SECRET_KEY: optional.pipe(
    z
      .string()
      .min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)')
      .optional(),
  ),
  /** Let webhook endpoints point at loopback and private addresses (tests, local development). */
  LEDGER_WEBHOOK_ALLOW_PRIVATE: optional
    .transform((value) => value?.toLowerCase())
    .pipe(z.enum(['true', 'false', '1', '0']).optional())
    .transform((value) => value === 'true' || value === '1'),
  /** How long one webhook attempt may take (connect, answer, first 1 KiB) before it has failed. */
  LEDGER_WEBHOOK_TIMEOUT_MS: milliseconds(15_000),
  /** How many webhook attempts one process has in flight at most. */
  LEDGER_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
  STRIPE_SECRET_KEY: optional,
  STRIPE_WEBHOOK_SECRET: optional,
  STRIPE_API_BASE: optional.pipe(z.url().optional()),
  /** Stripe's publishable key (`pk_…`): Stripe.js in the portal collects cards with it. */
  STRIPE_PUBLISHABLE_KEY: optional,
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
