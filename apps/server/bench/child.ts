import { type ChildProcess, fork } from 'node:child_process';

/** What a bench server process answers its parent: named operations on JSON arguments. */
export type Handlers = Record<string, (arg: string) => Promise<unknown>>;

/** What a server process says once it listens: its URL and whatever the parent needs. */
export interface Ready {
  url: string;
  secret: string;
  tenantId: string;
  appId: string;
}

/** A bench server running in a process of its own, and how to ask it things and stop it. */
export interface Child {
  pid: number;
  ready: Ready;
  ask<T>(op: string, arg?: string): Promise<T>;
  stop(): Promise<void>;
}

type Reply =
  | { id: number; result?: unknown; error?: string }
  | { ready: Ready }
  | { failed: string };

const running = new Set<ChildProcess>();
const undos: (() => Promise<unknown>)[] = [];
// Whatever ends the bench (a throw, Ctrl-C), no server process outlives it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void undoAll().finally(() => process.exit(130)));
}

/** Registers what undoes a step of the bench (drop a database, remove a directory). */
export function whenDone(undo: () => Promise<unknown>): void {
  undos.push(undo);
}

/** Undoes every registered step, newest first: at the end, after an error, or on a signal. */
export async function undoAll(): Promise<void> {
  for (let undo = undos.pop(); undo; undo = undos.pop()) {
    await undo().catch((error) => console.error(error));
  }
}

/**
 * Forks `script` (with this process's tsx loader) with `args`, and resolves once it reported
 * ready: servers under load get their own process, so the load generator's CPU is not theirs.
 */
export async function startChild(script: string, args: string[]): Promise<Child> {
  const child = fork(new URL(script, import.meta.url).pathname, args, { stdio: 'inherit' });
  running.add(child);
  whenDone(() => stop());
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before ready`)));
    child.on('message', (message: Reply) => {
      if ('ready' in message) resolve(message.ready);
      else if ('failed' in message) reject(new Error(`${script}: ${message.failed}`));
      else {
        const pending = waiting.get(message.id);
        waiting.delete(message.id);
        if (message.error === undefined) pending?.resolve(message.result);
        else pending?.reject(new Error(message.error));
      }
    });
  });
  async function stop() {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
    running.delete(child);
  }
  return {
    pid: child.pid ?? 0,
    ready,
    ask<T>(op: string, arg = '') {
      const id = ++seq;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, op, arg });
      });
    },
    stop,
  };
}

/**
 * The child's side: reports `ready` (or why it could not start), answers the parent's
 * operations, and runs `close` on SIGTERM before exiting.
 */
export async function serveParent(
  start: () => Promise<{ ready: Ready; handlers: Handlers; close: () => Promise<void> }>,
): Promise<void> {
  const send = (message: Reply) => process.send?.(message);
  try {
    const { ready, handlers, close } = await start();
    process.on('message', async ({ id, op, arg }: { id: number; op: string; arg: string }) => {
      try {
        const handler = handlers[op];
        if (!handler) throw new Error(`no operation ${op}`);
        send({ id, result: await handler(arg) });
      } catch (error) {
        send({ id, error: error instanceof Error ? error.message : JSON.stringify(error) });
      }
    });
    process.once('SIGTERM', () => void close().finally(() => process.exit(0)));
    // The parent gone (killed), nothing is left to serve.
    process.once('disconnect', () => void close().finally(() => process.exit(0)));
    send({ ready });
  } catch (error) {
    send({ failed: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
}
