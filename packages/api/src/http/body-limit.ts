import { LedgerError } from '@ledger/domain';
import { bodyLimit } from 'hono/body-limit';

/** Request bodies are capped at 1 MiB (REST.md). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Refuses larger bodies with `413 body_too_large` before anything reads them. */
export function limitBody() {
  return bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => {
      // The rest of the body is never read, so the connection cannot serve another request.
      c.header('Connection', 'close');
      throw new LedgerError(
        'body_too_large',
        `Request bodies are limited to ${MAX_BODY_BYTES} bytes`,
      );
    },
  });
}
