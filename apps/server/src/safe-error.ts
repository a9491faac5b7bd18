/**
 * What a log line may say about an error. Drivers hang the failed statement and its parameters
 * on their errors (drizzle's `query`/`params`, postgres.js's `query`/`parameters`/`args`,
 * PGlite's `detail` with the failing row), and those parameters are customers' emails and names
 * and API key hashes: everything but these fields is dropped.
 */
export interface SafeError {
  name: string;
  message: string;
  /** A `LedgerError` code, a Node system error code (`ECONNREFUSED`) or a PostgreSQL SQLSTATE. */
  code?: string;
  /** PostgreSQL's severity (`ERROR`, `FATAL`), when the error came from the server. */
  severity?: string;
  /** The stack frames only: the stack's first line repeats the message. */
  stack?: string;
  cause?: SafeError;
}

/** How many `cause`s deep a log follows an error (drizzle wraps the driver's error once). */
const MAX_CAUSES = 3;
const MAX_MESSAGE = 2_000;

/** What {@link safeError} made: sanitising twice (a field, then pino's serializer) is a no-op. */
const made = new WeakSet<SafeError>();

/** A quoted name PostgreSQL may put in a message (`"customers_live_email_key"`), not a value. */
const IDENTIFIER = /^[A-Za-z_][\w$.]*$/;

/** A quoted text: in double quotes, or in single quotes that open after a non-word character. */
const QUOTED = /"([^"\n]*)"|(?<!\w)'([^'\n]*)'/g;

/**
 * A message fit for a log: cut before the parameter list a driver appends ("Failed query: …
 * params: …"), values quoted in it replaced (PostgreSQL's `invalid input syntax for type
 * integer: "…"`), and capped in length. Quoted identifiers and ids are kept.
 */
export function safeMessage(message: string): string {
  const at = message.search(/\bparam(?:eter)?s:/i);
  const cut = (at === -1 ? message : message.slice(0, at)).trimEnd();
  const unquoted = cut.replace(QUOTED, (quoted, double?: string, single?: string) => {
    const text = double ?? single ?? '';
    if (IDENTIFIER.test(text)) return quoted;
    return double === undefined ? "'[redacted]'" : '"[redacted]"';
  });
  return unquoted.length > MAX_MESSAGE ? `${unquoted.slice(0, MAX_MESSAGE)}…` : unquoted;
}

/**
 * The frames of a stack. A stack starts with the message it was made with (which may carry the
 * parameters): everything up to the end of that message is dropped, then every line that is not
 * a frame. A stack that does not contain its message is not trusted at all.
 */
function framesOf(stack: unknown, message: string): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const end = stack.indexOf(message);
  if (end === -1) return undefined;
  const frames = stack
    .slice(end + message.length)
    .split('\n')
    .filter((line) => /^\s+at \S/.test(line));
  return frames.length > 0 ? frames.join('\n') : undefined;
}

/** A short string field of a thrown object, or nothing. */
function shortString(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length <= max ? value : undefined;
}

function nameOf(error: object): string {
  const name = (error as { name?: unknown }).name;
  if (typeof name === 'string' && name !== '') return name.slice(0, 100);
  return error.constructor?.name || 'Object';
}

/**
 * The one sanitiser every error passes through before it is logged: name, message (cut by
 * {@link safeMessage}), code, PostgreSQL's severity, the stack frames and the same of its
 * `cause`; never `query`, `params`, `parameters`, `detail`, a body or any other field.
 */
export function safeError(value: unknown, depth = 0): SafeError {
  if (value === null || typeof value !== 'object') {
    const message = typeof value === 'string' ? safeMessage(value) : `a thrown ${typeof value}`;
    return { name: typeof value, message };
  }
  if (made.has(value as SafeError)) return value as SafeError;
  const fields = value as Record<string, unknown>;
  const raw = typeof fields.message === 'string' ? fields.message : '';
  const safe: SafeError = { name: nameOf(value), message: safeMessage(raw) };
  const code = shortString(fields.code, 64);
  if (code) safe.code = code;
  const severity = shortString(fields.severity, 16);
  if (severity) safe.severity = severity;
  const stack = framesOf(fields.stack, raw);
  if (stack) safe.stack = stack;
  if (fields.cause !== undefined && depth < MAX_CAUSES)
    safe.cause = safeError(fields.cause, depth + 1);
  made.add(safe);
  return safe;
}
