import { z } from 'zod';
import { LedgerError } from '../errors.js';

/** A JSON value as stored in metadata. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Metadata: a flat JSON object of the caller's own keys. */
export type Metadata = Record<string, JsonValue>;

/** Stripe's limits, which DOMAIN.md adopts: 50 keys, 40-char keys, 500-char values. */
export const METADATA_LIMITS = { maxKeys: 50, maxKeyLength: 40, maxValueJsonLength: 500 } as const;

/** Any JSON value (recursive): what a metadata value may be. */
export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().refine(Number.isFinite, 'must be a finite number'),
    z.boolean(),
    z.null(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ]),
);

const invalid = { params: { ledgerCode: 'invalid_metadata' } } as const;

// Refinements rather than .min/.max: zod drops `params` (the ledger code) on built-in checks.
/** A metadata key: 1–40 characters, no brackets (they address keys in query strings). */
export const metadataKeySchema = z
  .string()
  .refine((key) => key.length >= 1, { message: 'keys must not be empty', ...invalid })
  .refine((key) => key.length <= METADATA_LIMITS.maxKeyLength, {
    message: `keys must be at most ${METADATA_LIMITS.maxKeyLength} characters`,
    ...invalid,
  })
  .meta({ minLength: 1, maxLength: METADATA_LIMITS.maxKeyLength })
  .refine((key) => !/[[\]]/.test(key), { message: 'keys must not contain "[" or "]"', ...invalid });

function limitedValue<T extends z.ZodType>(value: T) {
  return value.refine((v) => JSON.stringify(v).length <= METADATA_LIMITS.maxValueJsonLength, {
    message: `values must be at most ${METADATA_LIMITS.maxValueJsonLength} characters of JSON`,
    ...invalid,
  });
}

/**
 * Caller-given metadata. On update the keys given replace the stored ones and a key set to `null`
 * is removed, as in Stripe; at creation a `null` value is simply not stored.
 */
export const MetadataSchema = z
  .record(metadataKeySchema, limitedValue(JsonValueSchema))
  .refine((record) => Object.keys(record).length <= METADATA_LIMITS.maxKeys, {
    message: `must have at most ${METADATA_LIMITS.maxKeys} keys`,
    ...invalid,
  });

/** Applies a metadata patch (`null` removes a key); refuses a result over the key limit. */
export function mergeMetadata(current: Metadata, patch: Metadata): Metadata {
  const next: Metadata = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > METADATA_LIMITS.maxKeys) {
    throw new LedgerError(
      'invalid_metadata',
      `Metadata must have at most ${METADATA_LIMITS.maxKeys} keys`,
      {
        param: ['metadata'],
      },
    );
  }
  return next;
}
