import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditLogs, logFiles, recordForbidden } from './log-audit.js';

/** The audit that fails the run must find leaks, and only leaks. */
describe('the log audit', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A run directory with one server's log lines and forbidden values. */
  function run(lines: object[], names: string[] = []): string {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-audit-test-'));
    dirs.push(dir);
    const request = { msg: 'request', route: '/ledger/customers', request_id: 'req_01annsmith9' };
    writeFileSync(
      logFiles(dir, 'one').log,
      [request, ...lines].map((line) => `${JSON.stringify(line)}\n`).join(''),
    );
    recordForbidden(
      dir,
      'one',
      names.map((value) => ({ kind: 'name', value })),
    );
    return dir;
  }

  it('passes a clean log, and a name that is only part of an id or a stack', () => {
    expect(
      auditLogs(
        run(
          [{ msg: 'x', err: { stack: '    at Ann Smith (f.ts:1:1)' } }],
          ['annsmith', 'Ann Smith'],
        ),
      ),
    ).toEqual([]);
  });

  it('finds any email, a name as a token, and a line that is not JSON', () => {
    const dir = run(
      [{ msg: 'x', note: 'mail ann@anywhere.example' }, { msg: 'params: 1,Ann Smith,2' }],
      ['Ann Smith'],
    );
    writeFileSync(logFiles(dir, 'one').log, 'not json\n', { flag: 'a' });
    const problems = auditLogs(dir);
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/an email: ann@anywhere\.example/);
    expect(problems.join('\n')).toMatch(/a customer's name: Ann Smith/);
    expect(problems.join('\n')).toMatch(/not JSON/);
  });

  it('fails a run whose servers logged no request, and passes a run without servers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-audit-test-'));
    dirs.push(dir);
    expect(auditLogs(dir)).toEqual([]);
    writeFileSync(logFiles(dir, 'quiet').log, '');
    expect(auditLogs(dir)).toEqual([expect.stringMatching(/logged no request line/)]);
  });
});
