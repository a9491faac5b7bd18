import { LedgerError } from '@ledger/domain';
import type { Context } from 'hono';
import { requestText } from '../http/body-limit.js';
import type { AppEnv } from '../http/env.js';
import { requestHeader } from '../http/node-request.js';
import { fromWire } from './casing.js';

/**
 * The JSON body as a camelCase object, typed as the verb's input but not yet verified: the verb
 * validates it (every verb parses its input first), so REST never trusts a body's shape. An empty body is `{}`; a body that is not JSON is
 * `invalid_json`; a body sent with another Content-Type is refused (it was meant as something else).
 */
export async function readBody<T = Record<string, unknown>>(c: Context<AppEnv>): Promise<T> {
  const text = await requestText(c);
  if (text.trim() === '') return {} as T;
  const type = requestHeader(c, 'Content-Type') ?? '';
  if (type && !/^application\/json\b/i.test(type)) {
    throw new LedgerError(
      'invalid_input',
      'Send the body as JSON with Content-Type: application/json',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new LedgerError('invalid_json', 'The body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LedgerError('invalid_json', 'The body must be a JSON object');
  }
  try {
    return fromWire(parsed) as T;
  } catch (error) {
    // fromWire refuses deep nesting itself; a stack overflow anyway is still the body's fault.
    if (error instanceof RangeError) {
      throw new LedgerError('invalid_json', 'The body nests too deeply to read');
    }
    throw error;
  }
}

function ownValue(value: unknown): PropertyDescriptor {
  return { value, enumerable: true, writable: true, configurable: true };
}

/**
 * The query string as a camelCase object: `metadata[key]=value` becomes `metadata: {key: value}`;
 * other keys must be snake_case and are checked by the verb's schema like body fields.
 */
export function readQuery<T = Record<string, unknown>>(c: Context<AppEnv>): T {
  const out: Record<string, unknown> = {};
  const metadata: Record<string, string> = {};
  for (const [key, value] of new URL(c.req.url).searchParams) {
    const meta = key.match(/^metadata\[(.+)\]$/);
    // Defined, not assigned: `metadata[__proto__]` must reach the schema as a key, to be refused.
    if (meta?.[1] !== undefined) Object.defineProperty(metadata, meta[1], ownValue(value));
    else Object.assign(out, fromWire({ [key]: value }));
  }
  if (Object.keys(metadata).length > 0) out.metadata = metadata;
  return out as T;
}
