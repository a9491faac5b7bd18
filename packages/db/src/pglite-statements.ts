import {
  type messages,
  type PGlite,
  protocol,
  type QueryOptions,
  type Results,
  type Transaction,
} from '@electric-sql/pglite';

const { serialize } = protocol;

/** How many statements stay prepared at once; the least recently run is closed past it. */
const CAPACITY = 256;

/** A statement PGlite keeps parsed under `name`, with its parameters' type OIDs. */
interface Prepared {
  name: string;
  types: number[];
}

type BackendMessage = Awaited<ReturnType<PGlite['execProtocolStream']>>[number];
type Query = (text: string, params?: unknown[], options?: QueryOptions) => Promise<Results>;

/** SQLSTATEs after which a prepared statement must be made again (see `forgetOn`). */
const STALE_PLAN = '0A000'; // cached plan must not change result type (a table changed)
const NO_STATEMENT = '26000'; // prepared statement does not exist (DEALLOCATE, DISCARD)

/** PGlite's own shape of a failed query's error: the database's, with what was run. */
function withQuery(error: unknown, text: string, params: unknown[], options?: QueryOptions) {
  if (error instanceof Error) Object.assign(error, { query: text, params, queryOptions: options });
  return error;
}

/** The SQLSTATE of a database error, if `error` is one. */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Commands whose tag's count PGlite adds to `affectedRows`. */
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'COPY', 'MERGE']);

/**
 * `answer` as the result of one statement, the way PGlite's `query` returns it. Not PGlite's own
 * `parseResults`: given a caller's parsers (drizzle passes some on every query) it copies
 * PGlite's whole parser table into a new object first, about 190 µs of a PGlite POST in a
 * profile; here a caller's parser is looked up before PGlite's, per value.
 */
function resultOf(
  pg: PGlite,
  answer: BackendMessage[],
  options: QueryOptions | undefined,
): Results {
  let fields: { name: string; dataTypeID: number }[] = [];
  const rows: unknown[] = [];
  let affectedRows = 0;
  let command: string | undefined;
  let rowCount: number | undefined;
  const parse = (value: string | null, type: number) => {
    if (value === null) return null;
    const parser = options?.parsers?.[type] ?? pg.parsers[type];
    return parser ? parser(value, type) : value;
  };
  for (const message of answer) {
    if (message.name === 'rowDescription') {
      fields = (message as messages.RowDescriptionMessage).fields.map((field) => ({
        name: field.name,
        dataTypeID: field.dataTypeID,
      }));
    } else if (message.name === 'dataRow') {
      const values = (message as messages.DataRowMessage).fields;
      const parsed = values.map((value, i) => parse(value, fields[i]?.dataTypeID ?? 0));
      rows.push(
        options?.rowMode === 'array'
          ? parsed
          : Object.fromEntries(parsed.map((value, i) => [fields[i]?.name ?? String(i), value])),
      );
    } else if (message.name === 'commandComplete') {
      const words = (message as messages.CommandCompleteMessage).text.split(' ');
      command = words[0];
      const count = Number.parseInt(words[words.length - 1] ?? '', 10);
      if (!Number.isNaN(count)) rowCount = count;
      if (command !== undefined && WRITES.has(command)) affectedRows += count;
    }
  }
  return {
    rows: rows as Results['rows'],
    fields,
    affectedRows,
    ...(command === undefined ? {} : { command }),
    ...(rowCount === undefined ? {} : { rowCount }),
  };
}

/** How PGlite runs a protocol exchange for a query with `options`. */
function exchange(options: QueryOptions | undefined) {
  return { syncToFs: false, ...(options?.onNotice ? { onNotice: options.onNotice } : {}) };
}

/** One buffer of several protocol messages: PGlite runs them in one pass through the engine. */
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * `pg` with named prepared statements: the PGlite client Ledger gives drizzle. PGlite's own
 * `query` sends every statement unnamed, so the engine parses and plans it again on every run,
 * in six passes through the WASM engine: Ledger's new-customer statement took 1.8 ms a run that
 * way, 0.4-0.55 ms named (measured on a bench's data directory). Here a text seen a second time
 * is prepared under a name (parsed once, planned as PostgreSQL's plan cache decides) and each
 * later run is one pass: bind, describe, execute, sync. A text seen once runs as before, so
 * one-off statements (migrations, a list's ad hoc filter) take no place; at most
 * {@link CAPACITY} stay prepared, the least recently run closed first. Inside `transaction` the
 * same holds, under the transaction's lock. Everything else is `pg` itself, so `$client` keeps
 * PGlite's API.
 */
export function withNamedStatements(pg: PGlite): PGlite {
  const prepared = new Map<string, Prepared>();
  const seenOnce = new Set<string>();
  let counter = 0;

  /** Forgets what `error` says the engine no longer has; true when a retry may succeed. */
  function forgetOn(error: unknown, text: string): boolean {
    const code = codeOf(error);
    if (code === NO_STATEMENT) prepared.clear();
    else if (code === STALE_PLAN) prepared.delete(text);
    return code === NO_STATEMENT || code === STALE_PLAN;
  }

  /** Closes the least recently run statement (best effort: a failed close only leaks a name). */
  async function evictOne(): Promise<void> {
    const [text, oldest] = prepared.entries().next().value ?? [];
    if (text === undefined || !oldest) return;
    prepared.delete(text);
    await pg.execProtocolStream(
      concat([serialize.close({ type: 'S', name: oldest.name }), serialize.sync()]),
      { syncToFs: false, throwOnError: false },
    );
  }

  /** Parses `text` under a new name and learns its parameters' types. */
  async function prepare(text: string, options?: QueryOptions): Promise<Prepared> {
    if (prepared.size >= CAPACITY) await evictOne();
    const name = `ledger_${++counter}`;
    const answer = await pg.execProtocolStream(
      concat([
        serialize.parse({ name, text }),
        serialize.describe({ type: 'S', name }),
        serialize.sync(),
      ]),
      exchange(options),
    );
    const described = answer.find((message) => message.name === 'parameterDescription') as
      | messages.ParameterDescriptionMessage
      | undefined;
    const statement = { name, types: described?.dataTypeIDs ?? [] };
    prepared.set(text, statement);
    return statement;
  }

  /** Runs `text` prepared; call it holding PGlite's query lock. */
  async function runPrepared(
    text: string,
    params: unknown[],
    options: QueryOptions | undefined,
  ): Promise<Results> {
    let statement = prepared.get(text);
    if (statement) {
      prepared.delete(text); // re-inserted below: the map's order is the order of last use
      prepared.set(text, statement);
    } else {
      statement = await prepare(text, options);
    }
    const { name, types } = statement;
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const type = types[i] ?? 0;
      const serializer = options?.serializers?.[type] ?? pg.serializers[type];
      return serializer ? serializer(value) : String(value);
    });
    const answer = await pg.execProtocolStream(
      concat([
        serialize.bind({ statement: name, values }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
        serialize.sync(),
      ]),
      exchange(options),
    );
    return resultOf(pg, answer, options);
  }

  /**
   * `query` for `run` (PGlite's own, or a transaction's), named from the second sighting on.
   * `exclusive` takes PGlite's locks as its own `query` would; `inTransaction` says a failed
   * statement cannot simply be run again.
   */
  function queryVia(
    run: Query,
    exclusive: <T>(fn: () => Promise<T>) => Promise<T>,
    inTransaction: boolean,
  ): Query {
    return async (text, params = [], options) => {
      if (options?.blob || options?.paramTypes || !(prepared.has(text) || seenOnce.has(text))) {
        if (seenOnce.size >= CAPACITY * 4) seenOnce.clear();
        seenOnce.add(text);
        return run(text, params, options);
      }
      seenOnce.delete(text);
      try {
        return await exclusive(() => runPrepared(text, params, options));
      } catch (error) {
        if (!forgetOn(error, text) || inTransaction) throw withQuery(error, text, params, options);
        return run(text, params, options);
      }
    };
  }

  const query = queryVia(
    (text, params, options) => pg.query(text, params, options),
    async (fn) => {
      await pg._checkReady();
      const result = await pg._runExclusiveTransaction(() => pg._runExclusiveQuery(fn));
      await pg.syncToFs();
      return result;
    },
    false,
  );

  const transaction = <T>(callback: (tx: Transaction) => Promise<T>): Promise<T> =>
    pg.transaction((tx) => {
      const txQuery = queryVia(
        (text, params, options) => tx.query(text, params, options),
        (fn) => {
          if (tx.closed) throw new Error('Transaction is closed');
          return pg._runExclusiveQuery(fn);
        },
        true,
      );
      const named = new Proxy(tx, {
        get: (target, key) => (key === 'query' ? txQuery : Reflect.get(target, key, target)),
      });
      return callback(named);
    });

  return new Proxy(pg, {
    get(target, key) {
      if (key === 'query') return query;
      if (key === 'transaction') return transaction;
      const value: unknown = Reflect.get(target, key, target);
      // PGlite's methods use private fields: they must run on PGlite itself, not on the proxy.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
