import type { ErrorCode, ServiceContext } from '@ledger/domain';
import type { z } from 'zod';
import type { Budget } from '../http/rate-limit.js';

/** The OpenAPI tags: one per group of operations a reader looks for together. */
export const TAGS = {
  Customers: 'Customer profiles, lookup, soft delete',
  Balance: "The customer's account balance and its journal",
  'Payment methods': "A customer's cards and the default one charged",
  Plans: 'What customers subscribe to',
  Subscriptions: "Customers' subscriptions, trials, cancellation, proration",
  Usage: 'Metered usage and entitlement checks',
  Invoices: 'Invoices, their finalization, payment and voiding',
  Payments: 'Charge attempts',
  'Tax and FX': 'Tax rates, tax id verification and exchange rates',
  Events: 'The log of lifecycle events, newest first',
  'Webhook endpoints': 'Where Ledger sends signed events, and the log of each attempt',
  Portal: 'Links to the customer billing portal, and what the portal offers',
} as const;
/** One of {@link TAGS}. */
export type Tag = keyof typeof TAGS;

/** Where a REST operation takes the verb's input from, beside its path parameters. */
export type InputSource = 'body' | 'query' | 'none';

/** A success status with a body, or 204 with none. */
export type SuccessStatus = 200 | 201 | 202 | 204;

/** The media types an operation can answer a file in. */
export type FileMediaType = 'application/pdf';

/** What `run` returns for an operation that `produces` a file: its bytes and its name. */
export interface FileAnswer {
  bytes: Uint8Array;
  /** The name a browser saves it under (`invoice-INV-000042.pdf`). */
  filename: string;
}

/** One section of a streamed document: its record kind, its key, one object or a list of them. */
export interface StreamSection {
  kind: string;
  /** The document's key, camelCase like the domain's (REST writes it snake_case). */
  key: string;
  many: boolean;
  /** The domain's output schema of one element. */
  schema: z.ZodType;
}

/** How an operation `streamed` answers: the sections of its document, in their order. */
export interface StreamDeclaration {
  sections: readonly StreamSection[];
}

/** What a record source gives: `{kind, data}`, `data` a domain value that REST renders with `toWire`. */
export interface StreamRecord {
  kind: string;
  data: unknown;
}

/**
 * What `run` returns for a `streamed` operation: the document's leading fields, the file name it
 * is saved under, and the records, read only as the answer is written (`signal` aborts when the
 * client goes away).
 */
export interface StreamAnswer {
  filename: string;
  head: Record<string, unknown>;
  records: (signal: AbortSignal) => AsyncIterable<StreamRecord>;
}

/**
 * One REST operation, declared once. The Hono route (`mountOperations`), its OpenAPI entry
 * (`openApiDocument`) and the route list that the isolation test walks all come from here.
 *
 * - `input` is the verb's own zod input schema (camelCase). Its fields named by `pathParams`
 *   come from the path (`{ id: 'customerId' }` maps `{id}` to `customerId`); the rest come from
 *   the body or the query as `from` says, in snake_case.
 * - `output` is the domain's output schema of what `run` returns; REST renders it with `toWire`
 *   and documents `restSchema(output)`, so the shape can only be stated once. A 204 has none.
 * - `produces: 'application/pdf'` marks an operation that answers a file instead of JSON: `run`
 *   returns a {@link FileAnswer} (the bytes and the file name), `output` is `undefined`, and the
 *   answer is sent as is, `inline`, never cached.
 * - `streamed` marks an operation whose answer is written as it is read (`streamOperation`): `run`
 *   returns a {@link StreamAnswer}, `output` is the whole document's schema (for OpenAPI), and
 *   with `Accept: application/x-ndjson` the same records come one `{kind, data}` a line.
 * - `errors` are the codes the operation can answer beyond those every operation of its kind can
 *   (auth, malformed input, idempotency, …: see `commonErrors`). In tests every error answered
 *   is checked against this list, so it stays true.
 */
export interface Operation<
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType | undefined = z.ZodType | undefined,
> {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'delete';
  /** The path under `/ledger`, OpenAPI style: `/customers/{id}`. */
  path: string;
  summary: string;
  description?: string;
  tag: Tag;
  input?: I;
  from: InputSource;
  pathParams?: Readonly<Record<string, string>>;
  status: SuccessStatus;
  output: O;
  errors: readonly ErrorCode[];
  /** The media type of a file answer (see {@link FileAnswer}); absent for JSON. */
  produces?: FileMediaType;
  /** The sections of a streamed answer (see {@link StreamAnswer}); absent otherwise. */
  streamed?: StreamDeclaration;
  /**
   * The per-key rate limit budget it spends, when not the one of its method (reads for `GET`,
   * writes otherwise): usage reports spend `ingest`.
   */
  budget?: Budget;
  /** Calls the verb. Input is unverified here: the verb validates it with `input` first. */
  run: (
    ctx: ServiceContext,
    input: z.input<I>,
  ) => Promise<O extends z.ZodType ? z.output<O> : unknown>;
}

/**
 * Declares an operation, checking at compile time that `run` returns what `output` says. The
 * returned value is the declaration itself, erased to {@link Operation} for the tables.
 */
export function operation<I extends z.ZodType, O extends z.ZodType | undefined>(
  spec: Operation<I, O>,
): Operation {
  return spec as unknown as Operation;
}

/** A file operation as declared: what {@link Operation} needs, minus what a file answer fixes. */
export type FileOperationSpec<I extends z.ZodType> = Omit<
  Operation<I, undefined>,
  'output' | 'status' | 'produces' | 'run'
> & {
  produces: FileMediaType;
  run: (ctx: ServiceContext, input: z.input<I>) => Promise<FileAnswer>;
};

/**
 * Declares an operation that answers a file (`200`, the bytes in `produces`' media type), checking
 * at compile time that `run` gives a {@link FileAnswer}. Routes, OpenAPI and the isolation walk
 * treat it like any other operation.
 */
export function fileOperation<I extends z.ZodType>(spec: FileOperationSpec<I>): Operation {
  return { ...spec, status: 200, output: undefined } as unknown as Operation;
}

/** A streamed operation as declared: what {@link Operation} needs, minus what streaming fixes. */
export type StreamOperationSpec<I extends z.ZodType> = Omit<
  Operation<I, z.ZodType>,
  'status' | 'produces' | 'run' | 'streamed'
> & {
  streamed: StreamDeclaration;
  run: (ctx: ServiceContext, input: z.input<I>) => Promise<StreamAnswer>;
};

/**
 * Declares an operation that streams one JSON document (`200`, `application/json`, saved as an
 * attachment), or NDJSON records when asked for: the document is never built in memory, so its
 * size is not bounded by the server's. Errors found before the first byte (not found, invalid
 * input) are answered like any other operation's.
 */
export function streamOperation<I extends z.ZodType>(spec: StreamOperationSpec<I>): Operation {
  return { ...spec, status: 200 } as unknown as Operation;
}
