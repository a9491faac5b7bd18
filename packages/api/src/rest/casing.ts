import { formatMoney, LedgerError, MAX_INPUT_DEPTH } from '@ledger/domain';

/**
 * Keys whose values are keyed by the caller's own names and are never renamed: metadata, and FX
 * `rates` keyed by currency code.
 */
export const OPAQUE_KEYS: ReadonlySet<string> = new Set(['metadata', 'rates']);

/** At most this many spellings are remembered; the domain's field names are far fewer. */
const MAX_SNAKE_NAMES = 1024;
const snakeNames = new Map<string, string>();

/**
 * `billingAddress` → `billing_address`: how REST spells the domain's field names. Every key of
 * every answer goes through this, so each name is spelled once and then remembered (up to
 * `MAX_SNAKE_NAMES`; past that, spelled anew each time).
 */
export function toSnake(key: string): string {
  const known = snakeNames.get(key);
  if (known !== undefined) return known;
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (snakeNames.size < MAX_SNAKE_NAMES) snakeNames.set(key, snake);
  return snake;
}
const toCamel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

function isMoney(value: Record<string, unknown>, keys: readonly string[]): boolean {
  return (
    keys.length === 2 && typeof value.amount === 'number' && typeof value.currency === 'string'
  );
}

/** A camelCase name in snake_case, at the type level (`billingAddress` → `billing_address`). */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Rest}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Rest>}`
  : S;

/** What {@link toWire} makes of a domain value of type `T`: the REST shape, computed. */
export type Wire<T> = T extends Date
  ? string
  : T extends ReadonlyArray<infer Item>
    ? Wire<Item>[]
    : T extends { amount: number; currency: string }
      ? [Exclude<keyof T, 'amount' | 'currency'>] extends [never]
        ? { amount: number; currency: string; display: string }
        : WireObject<T>
      : T extends object
        ? WireObject<T>
        : T;

type WireObject<T> = {
  [K in keyof T as K extends string ? SnakeCase<K> : K]: K extends 'metadata' | 'rates'
    ? T[K]
    : Wire<T[K]>;
};

/**
 * Renders a domain value for REST: snake_case keys, ISO dates, and every money value with its
 * `display` string. Metadata is the caller's own and passes through untouched.
 */
export function toWire<T>(value: T): Wire<T> {
  return render(value) as Wire<T>;
}

function render(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(render);
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value);
  if (isMoney(value, keys)) {
    return { ...value, display: formatMoney(value as { amount: number; currency: string }) };
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    out[toSnake(key)] = OPAQUE_KEYS.has(key) ? value[key] : render(value[key]);
  }
  return out;
}

/**
 * Reads a REST body or query into the domain's camelCase. Keys must be snake_case: a camelCase
 * key is an unknown parameter here, refused with its path like any other. It recurses, so
 * nesting deeper than `MAX_INPUT_DEPTH` is refused (`invalid_input`) before the stack runs out.
 */
export function fromWire(value: unknown, path: Array<string | number> = []): unknown {
  if ((Array.isArray(value) || isPlainObject(value)) && path.length >= MAX_INPUT_DEPTH) {
    const written = snakeParam(path);
    throw new LedgerError(
      'invalid_input',
      `"${written}" nests deeper than ${MAX_INPUT_DEPTH} levels of objects and arrays`,
      { paramText: written },
    );
  }
  if (Array.isArray(value)) return value.map((item, i) => fromWire(item, [...path, i]));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (!/^[a-z0-9]+(_[a-z0-9]+)*$/.test(key)) {
      const written = snakeParam(path) ? `${snakeParam(path)}.${key}` : key;
      throw new LedgerError('invalid_input', `Unknown parameter "${written}"`, {
        paramText: written,
      });
    }
    const camel = toCamel(key);
    out[camel] = OPAQUE_KEYS.has(camel) ? inner : fromWire(inner, [...path, camel]);
  }
  return out;
}

/** A parameter path as REST callers wrote it: `tax_ids[0].value`, metadata keys verbatim. */
export function snakeParam(path: ReadonlyArray<string | number>): string {
  let out = '';
  let opaque = false;
  for (const part of path) {
    if (typeof part === 'number') {
      out += `[${part}]`;
      continue;
    }
    const name = opaque || part.includes('-') ? part : toSnake(part);
    out = out ? `${out}.${name}` : name;
    if (OPAQUE_KEYS.has(part)) opaque = true;
  }
  return out;
}
