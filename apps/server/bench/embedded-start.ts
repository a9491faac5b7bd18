import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repoRoot = new URL('../../../', import.meta.url).pathname;

/** A port nothing listens on now (the OS's pick for port 0). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * Seconds from spawning `pnpm start` (the README's command, from the repository root, on the
 * embedded PGlite in `dataDir`) until `GET /readyz` answers 200; then stops it with SIGTERM to
 * its whole process group (pnpm → pnpm → tsx → node) and waits until it has exited.
 */
async function timeStart(dataDir: string): Promise<number> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, LEDGER_DATA_DIR: dataDir, PORT: String(port) };
  delete env.DATABASE_URL;
  const started = performance.now();
  const child = spawn('pnpm', ['start'], { cwd: repoRoot, env, detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const group = -(child.pid ?? 0);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`pnpm start exited (${child.exitCode})`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (res) => res.ok,
        () => false,
      );
      if (ok) return (performance.now() - started) / 1000;
      if (performance.now() - started > 60_000) throw new Error('pnpm start: not ready in 60 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    process.kill(group, 'SIGTERM');
    const killer = setTimeout(() => process.kill(group, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  }
}

/**
 * Embedded start → ready, `rounds` times on a fresh data directory and again on it (a restart):
 * seconds each, in a temporary directory removed afterwards.
 */
export async function embeddedStarts(
  rounds: number,
): Promise<{ fresh: number[]; restart: number[] }> {
  const root = await mkdtemp(join(tmpdir(), 'ledger-ceiling-start-'));
  const fresh: number[] = [];
  const restart: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const dataDir = join(root, `data-${r}`);
      fresh.push(await timeStart(dataDir));
      restart.push(await timeStart(dataDir));
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return { fresh, restart };
}
