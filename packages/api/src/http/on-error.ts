import type { Context } from 'hono';
import superjson from 'superjson';
import { errorEnvelope } from '../errors/envelope.js';
import { toLedgerError } from '../errors/normalize.js';
import { ERROR_TABLE } from '../errors/status-table.js';
import { trpcErrorShape } from '../errors/trpc-shape.js';
import { snakeParam } from '../rest/casing.js';
import type { AppEnv } from './env.js';

/** Unexpected errors are logged here, once, with their stack; callers only see a request id. */
export type ErrorLogger = (error: unknown, requestId: string) => void;

/** An error raised before tRPC ran (auth, body limit, idempotency), in tRPC's own wire shape. */
function trpcResponse(
  c: Context<AppEnv>,
  requestId: string,
  error: ReturnType<typeof toLedgerError>,
) {
  const paths = c.req.path.replace(/^\/trpc\/?/, '').split(',');
  const shapes = paths.map((path) => ({
    error: superjson.serialize(trpcErrorShape(error, requestId, path || null)),
  }));
  return c.json(c.req.query('batch') ? shapes : shapes[0], ERROR_TABLE[error.code].status);
}

/**
 * The one place errors become responses: the REST envelope for `/ledger/*` (params in
 * snake_case), tRPC's shape for `/trpc/*`, both from the same status table.
 */
export function onError(log: ErrorLogger): (error: unknown, c: Context<AppEnv>) => Response {
  return (error, c) => {
    const requestId = c.get('requestId') ?? 'unknown';
    const ledger = toLedgerError(error);
    if (ledger.code === 'internal_error') log(ledger.cause ?? error, requestId);
    if (c.req.path.startsWith('/trpc')) return trpcResponse(c, requestId, ledger);
    const fromPath = c.get('pathParams') ?? {};
    const style = (path: ReadonlyArray<string | number>) => {
      const [head, ...rest] = path;
      const name = typeof head === 'string' ? fromPath[head] : undefined;
      return name === undefined ? snakeParam(path) : snakeParam([name, ...rest]);
    };
    const { status, body } = errorEnvelope(ledger, requestId, style);
    return c.json(body, status);
  };
}
