import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { auditLogs } from './log-audit.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory every test server of this run writes its log to (see log-audit.ts). */
    ledgerLogDir: string;
  }
}

/**
 * The suite's global set-up: one log directory for the run, audited when the run ends. A
 * throwing teardown is only printed by vitest (the run still exits 0), so a leak sets the exit
 * code instead, and the logs are kept for a look.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-test-logs-'));
  project.provide('ledgerLogDir', dir);
  return () => {
    const problems = auditLogs(dir);
    if (problems.length === 0) {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    console.error(
      `\nThe audit of the test servers' logs failed (they are kept in ${dir}):\n${problems
        .slice(0, 50)
        .map((problem) => `  - ${problem}`)
        .join('\n')}${problems.length > 50 ? `\n  … and ${problems.length - 50} more` : ''}\n`,
    );
    process.exitCode = 1;
  };
}
