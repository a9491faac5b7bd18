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

function messageOf(issue: Issue, param: Array<string | number>): string {
  if (issue.code === 'unrecognized_keys') return `Unknown parameter "${formatParam(param)}"`;
  if (param.length === 0) return `Invalid input: ${issue.message}`;
  return `Invalid "${formatParam(param)}": ${issue.message}`;
}

/** Turns the first zod issue into the {@link LedgerError} the caller sees. */
export function toLedgerError(error: z.ZodError): LedgerError {
  const issue = error.issues[0];
  if (!issue) return new LedgerError('invalid_input', 'Invalid input');
  const param = paramOf(issue);
  return new LedgerError(ledgerCodeOf(issue), messageOf(issue, param), {
    param,
    details: error.issues.length > 1 ? { issues: error.issues.length } : {},
  });
}

/**
 * Validates `input` with the verb's schema. Every service calls this first, so invalid input
 * never reaches the store and always surfaces as one `LedgerError` naming the parameter.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw toLedgerError(result.error);
  return result.data;
}
