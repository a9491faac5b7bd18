import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The audit of every test server's log: each server writes its lines to `<id>.log` in the run's
 * log directory and, when it closes, what must never appear there (its customers' emails and
 * names, its API keys and their hashes) to `<id>.forbidden.json`. The suite's global teardown
 * reads them all; one leak fails the run.
 */

/** One value a server's log must never contain, and what it is. */
export interface Forbidden {
  kind: 'email' | 'name' | 'api key' | 'key hash';
  value: string;
}

/** Any email address at all: test emails use several domains (`example.com`, `trpc.example`). */
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b/g;

/** Shorter names are words a log says anyway: only these are looked for. */
const MIN_NAME = 4;

/**
 * Whether `name` is in `text` as a whole token (no letter or digit on either side), as a leaked
 * name is (`"name":"Ann Smith"`, `params: …,Ann Smith,…`); inside a random id it is chance.
 */
function hasToken(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'u').test(text);
}

/** The lines a request leaves (the request log's two messages). */
const REQUEST_MESSAGES = new Set(['request', 'request failed']);

/** Where a server's log and its forbidden values are written, by the server's id. */
export function logFiles(dir: string, id: string): { log: string; forbidden: string } {
  return { log: join(dir, `${id}.log`), forbidden: join(dir, `${id}.forbidden.json`) };
}

/** Records what the log of server `id` must not contain (called as it closes). */
export function recordForbidden(dir: string, id: string, values: readonly Forbidden[]): void {
  writeFileSync(logFiles(dir, id).forbidden, JSON.stringify(values));
}

/** The problems of one server's log: unparsable lines, emails, forbidden values. */
function auditOne(dir: string, id: string): { problems: string[]; requests: number } {
  const files = logFiles(dir, id);
  const text = readFileSync(files.log, 'utf8');
  const problems: string[] = [];
  let requests = 0;
  // Names are looked for outside stacks: those are code locations only (safe-error.ts), and
  // their paths hold words a test may name a customer (`test`, `server`).
  const outsideStacks: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const parsed = JSON.parse(line) as { msg?: unknown };
      if (typeof parsed.msg === 'string' && REQUEST_MESSAGES.has(parsed.msg)) requests++;
      outsideStacks.push(
        JSON.stringify(parsed, (key, value) => (key === 'stack' ? undefined : value)),
      );
    } catch {
      problems.push(`${files.log}: a line is not JSON: ${line.slice(0, 200)}`);
    }
  }
  const names = outsideStacks.join('\n');
  for (const [email] of text.matchAll(EMAIL)) problems.push(`${files.log}: an email: ${email}`);
  const forbidden: Forbidden[] = existsSync(files.forbidden)
    ? JSON.parse(readFileSync(files.forbidden, 'utf8'))
    : [];
  for (const { kind, value } of forbidden) {
    const found =
      kind === 'name'
        ? value.trim().length >= MIN_NAME && hasToken(names, value)
        : text.includes(value);
    if (found) problems.push(`${files.log}: a customer's ${kind}: ${value}`);
  }
  return { problems, requests };
}

/**
 * Every problem in the run's logs. A run whose servers logged no request at all is one too:
 * then logging is broken and the audit would pass by seeing nothing.
 */
export function auditLogs(dir: string): string[] {
  const ids = readdirSync(dir)
    .filter((file) => file.endsWith('.log'))
    .map((file) => file.slice(0, -'.log'.length));
  if (ids.length === 0) return [];
  const problems: string[] = [];
  let requests = 0;
  for (const id of ids) {
    const one = auditOne(dir, id);
    problems.push(...one.problems);
    requests += one.requests;
  }
  if (requests === 0)
    problems.push(`${ids.length} test servers logged no request line: is logging broken?`);
  return problems;
}
