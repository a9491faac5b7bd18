import { createStore } from '@ledger/db';
import { createTestDatabase, testDatabaseKinds } from '@ledger/db/testing';
import { type Customer, LedgerError, type LedgerEvent, newId, zero } from '@ledger/domain';
import { describe, expect, it } from 'vitest';
import type { LogLevel } from '../src/env.js';
import { createLog, domainLogger, errorLogger } from '../src/logger.js';
import { safeError, safeMessage } from '../src/safe-error.js';

/** A log that keeps its lines, parsed. */
function memoryLog(level: LogLevel = 'trace') {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLog(level, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** The real error a driver throws for a failed parameterised insert of a customer. */
async function failedInsert(kind: 'pglite' | 'postgres', email: string, name: string) {
  const database = await createTestDatabase(kind);
  try {
    const store = createStore(database.db);
    const scope = { tenantId: 'tenant-log', appId: 'app' };
    const now = new Date();
    const customer: Customer = {
      id: newId('customer'),
      ...scope,
      name: 'First',
      email: 'first@logs.example',
      billingAddress: null,
      defaultPaymentMethod: null,
      balance: zero('USD'),
      currency: 'USD',
      taxIds: [],
      taxExempt: 'none',
      metadata: {},
      status: 'active',
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      erasedAt: null,
    };
    const created = (id = newId('event')): LedgerEvent => ({
      id,
      type: 'customer.created',
      ...scope,
      customerId: customer.id,
      sequence: 1,
      createdAt: now,
      data: { object: { email, name } },
    });
    await store.createCustomer(scope, customer, created(), {});
    // The same id again: a primary key violation no LedgerError translates, so it stays raw.
    return await store.createCustomer(scope, { ...customer, email, name }, created(), {}).then(
      () => {
        throw new Error('the second insert was expected to fail');
      },
      (error: unknown) => error,
    );
  } finally {
    await database.close();
  }
}

describe.each(testDatabaseKinds())("the sanitiser on %s's real errors", (kind) => {
  it('keeps the statement and the database code, and drops every parameter', async () => {
    const email = `sanitiser-${kind}@logs.example`;
    const name = `Sanitiser Canary ${kind}`;
    const error = await failedInsert(kind, email, name);
    // The raw error does carry them: this is what must never reach a log.
    expect(String((error as Error).message)).toContain(email);
    expect(String((error as Error).stack)).toContain(name);

    const safe = safeError(error);
    const text = JSON.stringify(safe);
    expect(text).not.toContain(email);
    expect(text).not.toContain(name);
    expect(text).not.toMatch(/params|parameters|Failing row|Key \(/);
    expect(safe.message).toMatch(
      /^Failed query: WITH c AS \(insert into "customers" \(.*\) values \(\$1/,
    );
    expect(safe.cause).toMatchObject({
      message: 'duplicate key value violates unique constraint "customers_pkey"',
      code: '23505',
      severity: 'ERROR',
    });
    expect(safe.stack).toMatch(/^\s+at /);
    expect(Object.keys(safe).sort()).toEqual(['cause', 'message', 'name', 'stack']);
    expect(
      Object.keys(safe.cause ?? {}).every((key) =>
        /^(name|message|code|severity|stack)$/.test(key),
      ),
    ).toBe(true);
  });
});

describe('the sanitiser', () => {
  it('cuts a driver message before its parameters and blanks quoted values', () => {
    expect(safeMessage('Failed query: select $1::int\nparams: ann@logs.example')).toBe(
      'Failed query: select $1::int',
    );
    expect(safeMessage('invalid input syntax for type integer: "ann@logs.example"')).toBe(
      'invalid input syntax for type integer: "[redacted]"',
    );
    expect(safeMessage(`where email = 'ann@logs.example' and id = 'cus_1'`)).toBe(
      `where email = '[redacted]' and id = 'cus_1'`,
    );
    expect(safeMessage('violates check constraint "customers_balance_range"')).toBe(
      'violates check constraint "customers_balance_range"',
    );
    expect(safeMessage("The customer doesn't have a card, isn't it")).toBe(
      "The customer doesn't have a card, isn't it",
    );
  });

  it('keeps a LedgerError code and a system error code, never other fields', () => {
    const ledger = new LedgerError('plan_not_found', 'No such plan', { details: { x: 1 } });
    expect(safeError(ledger)).toMatchObject({ name: 'LedgerError', code: 'plan_not_found' });
    expect(safeError(ledger)).not.toHaveProperty('details');
    const system = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
      body: { email: 'ann@logs.example' },
    });
    const safe = safeError(system);
    expect(safe.code).toBe('ECONNREFUSED');
    expect(JSON.stringify(safe)).not.toMatch(/address|ann@/);
  });

  it('describes a thrown non-error without its content, and is idempotent', () => {
    expect(safeError({ query: 'q', params: ['ann@logs.example'] })).toEqual({
      name: 'Object',
      message: '',
    });
    expect(safeError('params: ann@logs.example')).toEqual({ name: 'string', message: '' });
    expect(safeError(42)).toEqual({ name: 'number', message: 'a thrown number' });
    const once = safeError(new Error('boom'));
    expect(safeError(once)).toBe(once);
  });

  it('trusts no stack that does not start from its message', () => {
    const error = new Error('boom');
    error.stack = 'Error: something else\n    at ann@logs.example (x.ts:1:1)';
    expect(safeError(error)).not.toHaveProperty('stack');
  });
});

describe('the server log', () => {
  it('writes JSON lines with the level by name and an ISO time', () => {
    const { log, lines } = memoryLog();
    log.info({ route: '/healthz' }, 'request');
    expect(lines[0]).toMatchObject({ level: 'info', route: '/healthz', msg: 'request' });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('writes nothing below its level, and nothing at all when silent', () => {
    const warn = memoryLog('warn');
    warn.log.info({}, 'request');
    warn.log.warn({}, 'tolerated');
    expect(warn.lines.map((line) => line.msg)).toEqual(['tolerated']);
    const silent = memoryLog('silent');
    silent.log.fatal({}, 'even this');
    expect(silent.lines).toEqual([]);
  });

  it('redacts personal data and key material by field name, at the top and one level down', () => {
    const { log, lines } = memoryLog();
    log.info(
      {
        email: 'ann@logs.example',
        name: 'Ann',
        headers: { authorization: 'Bearer ldg_sk_x' },
        'x-api-key': 'ldg_sk_y',
        customer: { name: 'Ann', email: 'ann@logs.example' },
        input: { email: 'ann@logs.example', secret: 'ldg_sk_z', keyHash: 'abc' },
      },
      'fields',
    );
    const text = JSON.stringify(lines[0]);
    expect(text).not.toMatch(/ann@|Ann|ldg_sk_|abc/);
    expect(lines[0]).toMatchObject({ name: '[redacted]', headers: '[redacted]' });
  });

  it('sanitises errors from the domain (any field) and from requests', () => {
    const { log, lines } = memoryLog();
    const failure = Object.assign(new Error('Failed query: x\nparams: ann@logs.example'), {
      params: ['ann@logs.example'],
    });
    domainLogger(log).warn('could not detach', { paymentMethodId: 'pm_1', failure });
    domainLogger(log).error('collecting an invoice failed', { error: failure });
    errorLogger(log)(failure, 'req_1');
    expect(JSON.stringify(lines)).not.toContain('ann@');
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['warn', 'could not detach'],
      ['error', 'collecting an invoice failed'],
      ['error', 'unexpected error answering a request'],
    ]);
    expect(lines[0]).toMatchObject({
      paymentMethodId: 'pm_1',
      failure: { message: 'Failed query: x' },
    });
    expect(lines[2]).toMatchObject({ request_id: 'req_1', err: { message: 'Failed query: x' } });
  });
});
