import type { z } from 'zod';
import { ERROR_CODES, type ErrorCode, formatParam, LedgerError } from './errors.js';

type Issue = z.core.$ZodIssue;

function ledgerCodeOf(issue: Issue): ErrorCode {
  // A record key's own checks (e.g. metadata keys) arrive wrapped in an `invalid_key` issue.
  if (issue.code === 'invalid_key' && issue.issues[0]) return ledgerCodeOf(issue.issues[0]);
  const params =
    'params' in issue ? (issue.params as Record<string, unknown> | undefined) : undefined;
  const code = params?.ledgerCode;
  if (typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code)) {
    return code as ErrorCode;
  }
  if (issue.code === 'invalid_format' && issue.format === 'email') return 'invalid_email';
  return 'invalid_input';
}

function paramOf(issue: Issue): Array<string | number> {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) {
    return [...path, issue.keys[0]];
  }
  return path;
}

/** The message of an issue as a function of how the door names the parameter. */
function describeIssue(issue: Issue): (param: string) => string {
  if (issue.code === 'unrecognized_keys') return (param) => `Unknown parameter "${param}"`;
  return (param) =>
    param === '' ? `Invalid input: ${issue.message}` : `Invalid "${param}": ${issue.message}`;
}

/**
 * Turns the first zod issue into the {@link LedgerError} the caller sees. An unknown parameter
 * comes first, as with Stripe: a misspelt field also makes the real one look missing, and the
 * spelling is what the caller has to fix.
 */
export function toLedgerError(error: z.ZodError): LedgerError {
  const issue = error.issues.find((each) => each.code === 'unrecognized_keys') ?? error.issues[0];
  if (!issue) return new LedgerError('invalid_input', 'Invalid input');
  const param = paramOf(issue);
  const describe = describeIssue(issue);
  return new LedgerError(ledgerCodeOf(issue), describe(formatParam(param)), {
    param,
    describe,
    details: error.issues.length > 1 ? { issues: error.issues.length } : {},
  });
}

/** How deep input may nest (objects and arrays): far beyond any verb's input, far below a stack. */
export const MAX_INPUT_DEPTH = 32;

/** True when PostgreSQL cannot store `text`: it holds a NUL or a UTF-16 surrogate without its pair. */
export function isUnstorableString(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0) return true;
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++;
  }
  return false;
}

function isWalkable(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value met while walking input; the path is rebuilt from the parents only for an error. */
interface Visit {
  value: unknown;
  key: string | number | undefined;
  parent: Visit | undefined;
  depth: number;
}

function pathOf(visit: Visit | undefined, key?: string | number): Array<string | number> {
  const path: Array<string | number> = key === undefined ? [] : [key];
  for (let at = visit; at?.parent; at = at.parent) {
    if (at.key !== undefined) path.unshift(at.key);
  }
  return path;
}

function unstorable(path: Array<string | number>): LedgerError {
  const describe = (param: string) =>
    `Invalid "${param}": text must not contain NUL characters or unpaired surrogates`;
  return new LedgerError('invalid_input', describe(formatParam(path)), { param: path, describe });
}

/**
 * `__proto__` cannot be data in a JavaScript object: assigning it replaces the prototype, and
 * zod's records skip it, so it would vanish without a word. Refused instead, naming it.
 */
function prototypeKey(path: Array<string | number>): LedgerError {
  const describe = (param: string) => `Unknown parameter "${param}": "__proto__" cannot be a key`;
  return new LedgerError('invalid_input', describe(formatParam(path)), { param: path, describe });
}

/**
 * Refuses what no schema should have to survive and no store can keep, walking the raw input
 * without recursion: a string (value or object key) with a NUL or an unpaired UTF-16 surrogate,
 * which PostgreSQL rejects; a `__proto__` key, which no object keeps; and nesting deeper than
 * {@link MAX_INPUT_DEPTH}, which recursive validation could not walk. Each is `invalid_input`
 * naming the parameter.
 */
export function checkInputShape(input: unknown): void {
  const stack: Visit[] = [{ value: input, key: undefined, parent: undefined, depth: 0 }];
  const seen = new Set<object>();
  for (let visit = stack.pop(); visit; visit = stack.pop()) {
    const { value } = visit;
    if (typeof value === 'string') {
      if (isUnstorableString(value)) throw unstorable(pathOf(visit));
      continue;
    }
    if (!isWalkable(value) || seen.has(value)) continue;
    seen.add(value);
    const depth = visit.depth + 1;
    if (depth > MAX_INPUT_DEPTH) {
      const path = pathOf(visit);
      const describe = (param: string) =>
        `${param === '' ? 'Input' : `"${param}"`} nests deeper than ${MAX_INPUT_DEPTH} levels of objects and arrays`;
      throw new LedgerError('invalid_input', describe(formatParam(path)), {
        param: path,
        describe,
      });
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], key: i, parent: visit, depth });
      }
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      if (isUnstorableString(key)) throw unstorable(pathOf(visit, key));
      if (key === '__proto__') throw prototypeKey(pathOf(visit, key));
      stack.push({ value: (value as Record<string, unknown>)[key], key, parent: visit, depth });
    }
  }
}

/**
 * Validates `input` with the verb's schema. Every service calls this first, so invalid input
 * never reaches the store and always surfaces as one `LedgerError` naming the parameter. The raw
 * input is first checked by {@link checkInputShape}, so no verb sees unstorable text or input
 * too deep to validate.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  checkInputShape(input);
  const result = schema.safeParse(input);
  if (!result.success) throw toLedgerError(result.error);
  return result.data;
}
