import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The real `ledger` program as a child process, for the tests of what only a process has: its
 * start-up banner, its exit status, its signals and its hold on the data directory. One copy of
 * the spawning, so the CLI and the shutdown tests start it the same way.
 */

const BIN = fileURLToPath(new URL('../bin/ledger.mjs', import.meta.url));
/** The compiled CLI `pnpm start` runs (apps/server/dist, built by `turbo run build`). */
export const COMPILED_CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const KEY = /ldg_sk_\w+/g;
const START_TIMEOUT_MS = 30_000;

/** The environment of a child: this one without DATABASE_URL (so PGlite) or Ledger settings. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'DATABASE_URL' || name === 'PORT' || name === 'HOST') continue;
    if (name.startsWith('LEDGER_') || name.startsWith('STRIPE_')) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** How a child ended and everything it printed. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess) {
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      // Let the pipes drain before reporting what the process printed.
      setImmediate(() => resolve({ code, signal, ...output }));
    });
  });
  return { output, exited };
}

const running = new Set<ChildProcess>();

/** Kills every child still running (a failed test's), for `afterAll`. */
export function killChildren(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Runs `ledger <args>` to completion. */
export async function ledger(args: string[], env: Record<string, string>): Promise<Exit> {
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env) });
  running.add(child);
  const { exited } = collect(child);
  const exit = await exited;
  running.delete(child);
  return exit;
}

/** A running `ledger serve`. */
export interface Served {
  url: string;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` (SIGTERM by default) without waiting. */
  signal(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Sends SIGTERM and waits for the process to exit. */
  stop(): Promise<Exit>;
}

/**
 * Starts `ledger serve` on port 0 and waits until it has printed its address and key advice;
 * `program` is the workspace's `ledger` (its TypeScript source) unless another is named.
 */
export async function serve(env: Record<string, string>, program = BIN): Promise<Served> {
  const child = spawn(process.execPath, [program, 'serve'], {
    env: childEnv({ PORT: '0', HOST: '127.0.0.1', ...env }),
  });
  running.add(child);
  const { output, exited } = collect(child);
  void exited.then(() => running.delete(child));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ledger serve did not start:\n${output.stdout}\n${output.stderr}`));
    }, START_TIMEOUT_MS);
    const check = () => {
      const address = /Ledger is listening on (http:\/\/\S+)/.exec(output.stdout)?.[1];
      // "Try: curl …" is the last line of the start-up banner, after the key advice.
      if (address && output.stdout.includes('Try: curl')) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(address);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`ledger serve exited with ${exit.code}:\n${exit.stdout}\n${exit.stderr}`));
    });
  });
  const signal = (name: NodeJS.Signals = 'SIGTERM') => {
    child.kill(name);
  };
  return {
    url,
    pid: child.pid as number,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    signal,
    exited,
    stop() {
      signal('SIGTERM');
      return exited;
    },
  };
}

/** The API keys (`ldg_sk_…`) in a text, in order. */
export function keysIn(text: string): string[] {
  return text.match(KEY) ?? [];
}
