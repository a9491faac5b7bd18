import { is } from 'drizzle-orm';
import { PgliteDatabase } from 'drizzle-orm/pglite';
import type { Db } from '../database.js';
import { isUnavailable } from '../errors.js';
import {
  insertChecks,
  MAX_CHECK_STATEMENTS_IN_FLIGHT,
  MAX_CHECKS_PER_STATEMENT,
  type Recorded,
} from './entitlement-checks.js';
import { MAX_READS_PER_STATEMENT } from './grouped-read.js';
import { perHandle } from './per-handle.js';

/**
 * On PostgreSQL, while a statement that reads is in flight, new reads wait for the records its
 * answers make, to carry them, until this many are waiting; then they go at once. Waiting with no
 * bound cost checks at 64 connections about a fifth of their rate (measured): there a statement is
 * shared enough without it. PGlite runs one statement at a time, so there a read never waits.
 */
export const READS_ENOUGH_TO_GO = 4;

/** The two statements an entitlement check's read can go in. */
export interface CheckReadStatements<K, R> {
  /** Answers `keys` in one statement, one answer per key in their order. */
  read(db: Db, keys: readonly K[]): Promise<R[]>;
  /** The same, in one statement that also inserts `checks`: all of them or, if it fails, none. */
  readRecording(db: Db, keys: readonly K[], checks: readonly Recorded[]): Promise<R[]>;
}

/** An entitlement check's two steps outside a transaction, on one handle. */
export interface CheckPath<K, R> {
  /** What the check compares (its customer's plans and usage), read with concurrent checks'. */
  read(key: K): Promise<R>;
  /** Resolves once the check's row is committed, with concurrent checks' rows. */
  record(recorded: Recorded): Promise<void>;
}

/** One read or one record waiting for the statement that carries it. */
interface Waiting<T, A> {
  item: T;
  resolve: (answer: A) => void;
  reject: (error: unknown) => void;
}

/**
 * The reads and the records of the entitlement checks this process makes outside a transaction,
 * gathered as group commit gathers writes, and sent together. The first of either waits one turn
 * of the event loop and goes with every read and record that arrived meanwhile: the checks whose
 * answers are ready ride in the statement that reads for the next ones (a data-modifying `WITH`),
 * so under load a check costs about one statement, not two. Each statement is a write to a
 * PostgreSQL connection and a backend woken to answer it, most of a check's CPU on both sides.
 *
 * A statement that reads goes at once when none is in flight; while one is, up to
 * {@link READS_ENOUGH_TO_GO} reads wait for its answers' records, at most until it is answered.
 *
 * Each check is still answered only once its row is committed, so an answered check is never
 * lost. Records go in at most {@link MAX_CHECK_STATEMENTS_IN_FLIGHT} statements at once (one on
 * PGlite, which runs one statement at a time), the rest wait for the next (up to
 * {@link MAX_CHECKS_PER_STATEMENT}), and reads do not wait for them. A statement refused for a
 * reason that wrote nothing is sent again split: its reads alone, its records in one INSERT and,
 * if that is refused too, one by one, so one bad row fails only its own check; a statement whose
 * outcome is unknown (the connection was lost) fails every read and record in it, as a lone
 * statement's failure would.
 */
export function checkPath<K, R>(
  statements: CheckReadStatements<K, R>,
): (db: Db) => CheckPath<K, R> {
  return perHandle((db: Db) => {
    const reads: Array<Waiting<K, R>> = [];
    const records: Array<Waiting<Recorded, void>> = [];
    const onPglite = is(db, PgliteDatabase);
    const recordsAtMost = onPglite ? 1 : MAX_CHECK_STATEMENTS_IN_FLIGHT;
    const readsWaitBelow = onPglite ? 0 : READS_ENOUGH_TO_GO;
    let recording = 0;
    let reading = 0;
    let scheduled = false;

    const answer = (batch: Array<Waiting<K, R>>, answers: R[]) => {
      for (const [i, waiting] of batch.entries()) waiting.resolve(answers[i] as R);
    };
    const fail = <T, A>(batch: Array<Waiting<T, A>>, error: unknown) => {
      for (const waiting of batch) waiting.reject(error);
    };
    const keysOf = (batch: Array<Waiting<K, R>>) => batch.map((waiting) => waiting.item);

    const readAlone = (batch: Array<Waiting<K, R>>) =>
      statements.read(db, keysOf(batch)).then(
        (answers) => answer(batch, answers),
        (error: unknown) => fail(batch, error),
      );

    const recordAlone = async (batch: Array<Waiting<Recorded, void>>): Promise<void> => {
      try {
        await insertChecks(
          db,
          batch.map((waiting) => waiting.item),
        );
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        if (batch.length === 1 || isUnavailable(error)) return fail(batch, error);
        for (const waiting of batch) await recordAlone([waiting]);
      }
    };

    const readAndRecord = async (
      readBatch: Array<Waiting<K, R>>,
      recordBatch: Array<Waiting<Recorded, void>>,
    ): Promise<void> => {
      if (recordBatch.length === 0) return readAlone(readBatch);
      if (readBatch.length === 0) return recordAlone(recordBatch);
      try {
        const answers = await statements.readRecording(
          db,
          keysOf(readBatch),
          recordBatch.map((waiting) => waiting.item),
        );
        for (const waiting of recordBatch) waiting.resolve();
        answer(readBatch, answers);
      } catch (error) {
        if (isUnavailable(error)) {
          fail(recordBatch, error);
          fail(readBatch, error);
          return;
        }
        await Promise.all([readAlone(readBatch), recordAlone(recordBatch)]);
      }
    };

    const send = () => {
      scheduled = false;
      while (reads.length > 0 || (records.length > 0 && recording < recordsAtMost)) {
        const readBatch = reads.splice(0, MAX_READS_PER_STATEMENT);
        const recordBatch =
          recording < recordsAtMost ? records.splice(0, MAX_CHECKS_PER_STATEMENT) : [];
        if (readBatch.length > 0) reading++;
        if (recordBatch.length > 0) recording++;
        void readAndRecord(readBatch, recordBatch).finally(() => {
          if (readBatch.length > 0) reading--;
          if (recordBatch.length > 0) recording--;
          schedule();
        });
      }
    };

    // One turn of the event loop first, so the reads and records of requests already in hand
    // join the statement (PGlite runs a statement within the microtasks of the request that sent
    // it). A few reads wait while a statement that reads is in flight and no record can go: its
    // answers make records, which the waiting reads then carry.
    const schedule = () => {
      if (scheduled) return;
      const recordsGo = records.length > 0 && recording < recordsAtMost;
      const readsGo = reads.length > 0 && (reading === 0 || reads.length >= readsWaitBelow);
      if (!recordsGo && !readsGo) return;
      scheduled = true;
      setImmediate(send);
    };

    return {
      read: (key) =>
        new Promise<R>((resolve, reject) => {
          reads.push({ item: key, resolve, reject });
          schedule();
        }),
      record: (recorded) =>
        new Promise<void>((resolve, reject) => {
          records.push({ item: recorded, resolve, reject });
          schedule();
        }),
    };
  });
}
