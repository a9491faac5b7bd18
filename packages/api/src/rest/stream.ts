import { LedgerError, type Logger } from '@ledger/domain';
import type { Context } from 'hono';
import type { AppEnv } from '../http/env.js';
import { requestHeader } from '../http/node-request.js';
import { toSnake, toWire } from './casing.js';
import type { Operation, StreamAnswer, StreamRecord, StreamSection } from './operation.js';
import { restSchema } from './wire.js';

/** The media type of the line-per-record alternative of a streamed answer. */
export const NDJSON = 'application/x-ndjson';

/** Text is handed to the socket in chunks of about this many characters, not one per record. */
const CHUNK_CHARS = 64 * 1024;

/** One element as REST renders it, checked against its section's schema in tests. */
function rendered(op: Operation, section: StreamSection, data: unknown, check: boolean): unknown {
  const wire = toWire(data);
  if (check) {
    const result = restSchema(section.schema).safeParse(wire);
    if (!result.success) {
      throw new LedgerError(
        'internal_error',
        `A ${section.kind} record of ${op.operationId} does not match its schema: ${JSON.stringify(result.error.issues)}`,
      );
    }
  }
  return wire;
}

function sectionOf(op: Operation, sections: readonly StreamSection[], record: StreamRecord) {
  const index = sections.findIndex((section) => section.kind === record.kind);
  if (index < 0) {
    throw new LedgerError('internal_error', `${op.operationId} gave a "${record.kind}" record`);
  }
  return index;
}

/** `,"key":[` (or `,"key":` for one object) */
function opening(section: StreamSection): string {
  return `,${JSON.stringify(toSnake(section.key))}:${section.many ? '[' : ''}`;
}

/**
 * The JSON document as text, record by record: the head's fields, then each section in its
 * declared order (a section without records as `[]`, or `null` for a missing single object).
 * Records must come in section order; one out of order is a bug, and the stream fails.
 */
async function* documentText(
  op: Operation,
  sections: readonly StreamSection[],
  head: Record<string, unknown>,
  records: AsyncIterable<StreamRecord>,
  check: boolean,
): AsyncGenerator<string> {
  yield JSON.stringify(toWire(head)).slice(0, -1);
  let open = -1;
  let count = 0;
  const closing = (index: number) => (sections[index]?.many ? ']' : count === 0 ? 'null' : '');
  for await (const record of records) {
    const index = sectionOf(op, sections, record);
    let text = '';
    if (index !== open) {
      if (index < open) {
        throw new LedgerError('internal_error', `${op.operationId} gave records out of order`);
      }
      if (open >= 0) text += closing(open);
      for (let skipped = open + 1; skipped < index; skipped++) {
        count = 0;
        text += opening(sections[skipped] as StreamSection) + closing(skipped);
      }
      text += opening(sections[index] as StreamSection);
      open = index;
      count = 0;
    }
    const section = sections[index] as StreamSection;
    if (!section.many && count > 0) {
      throw new LedgerError('internal_error', `${op.operationId} gave two ${record.kind} records`);
    }
    text += (count > 0 ? ',' : '') + JSON.stringify(rendered(op, section, record.data, check));
    count++;
    yield text;
  }
  let text = open >= 0 ? closing(open) : '';
  for (let rest = open + 1; rest < sections.length; rest++) {
    count = 0;
    text += opening(sections[rest] as StreamSection) + closing(rest);
  }
  yield `${text}}`;
}

/** The same records, one `{"kind": …, "data": …}` a line. */
async function* ndjsonText(
  op: Operation,
  sections: readonly StreamSection[],
  records: AsyncIterable<StreamRecord>,
  check: boolean,
): AsyncGenerator<string> {
  for await (const record of records) {
    const section = sections[sectionOf(op, sections, record)] as StreamSection;
    yield `${JSON.stringify({ kind: record.kind, data: rendered(op, section, record.data, check) })}\n`;
  }
}

/** True when the client asked for NDJSON rather than the one JSON document. */
function wantsNdjson(c: Context<AppEnv>): boolean {
  return (requestHeader(c, 'accept') ?? '').toLowerCase().includes(NDJSON);
}

/**
 * Sends a streamed answer: `200`, saved as an attachment, never cached. The body is pulled:
 * records are read (a page at a time, by the source) only as fast as the client takes the text,
 * so memory stays at about one page and one chunk. When the client goes away the request's
 * signal aborts and the stream is cancelled: the source stops reading.
 */
export function sendStream(
  c: Context<AppEnv>,
  op: Operation,
  answer: StreamAnswer,
  options: { check: boolean; logger: Logger },
): Response {
  const sections = op.streamed?.sections ?? [];
  const stop = new AbortController();
  const signal = AbortSignal.any([c.req.raw.signal, stop.signal]);
  const records = answer.records(signal);
  const ndjson = wantsNdjson(c);
  const text = ndjson
    ? ndjsonText(op, sections, records, options.check)
    : documentText(op, sections, answer.head, records, options.check);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk = '';
        try {
          while (chunk.length < CHUNK_CHARS) {
            const next = await text.next();
            if (next.done) {
              if (chunk) controller.enqueue(encoder.encode(chunk));
              controller.close();
              return;
            }
            chunk += next.value;
          }
        } catch (error) {
          // The status is sent: the only way left to say "this is not the whole answer".
          options.logger.error('A streamed answer failed after it started', {
            operationId: op.operationId,
            error,
          });
          controller.error(error);
          return;
        }
        controller.enqueue(encoder.encode(chunk));
      },
      async cancel() {
        stop.abort();
        await text.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
  return c.body(body, 200, {
    'Content-Type': ndjson ? NDJSON : 'application/json',
    'Content-Disposition': `attachment; filename="${answer.filename.replace(/[^\x20-\x7e]|["\\]/g, '_')}"`,
    'Cache-Control': 'private, no-store',
    Vary: 'Accept',
  });
}
