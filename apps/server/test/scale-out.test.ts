import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deployment, deploy } from './deployments.js';
import { killChildren, type Served, serve } from './processes.js';
import { type Api, call, everyPage } from './webhook-fleet.js';

/**
 * Ledger scales out as stateless processes on one PostgreSQL (docs/scaling.md): two real
 * `ledger serve` processes take concurrent writes for the same customers, and every write
 * acknowledged by one is there, exactly once, when read through the other.
 */

const CREATES_EACH = 10;
const CREDITED = 4;
const CREDITS_EACH = 24;

type Customer = { id: string; email: string; balance: { amount: number } };
type Transaction = { type: string; amount: { amount: number } };

describe.runIf(testDatabaseKinds().includes('postgres'))('two processes on one PostgreSQL', () => {
  let root: string;
  let deployment: Deployment;
  let servers: Served[] = [];
  let apis: Api[] = [];
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ledger-scale-out-'));
    deployment = await deploy('postgres', root, 'unused-on-postgres');
    servers = await Promise.all([serve(deployment.env), serve(deployment.env)]);
    apis = servers.map((served) => ({ url: served.url, key: deployment.key }));
  });
  afterAll(async () => {
    await Promise.allSettled(servers.map((served) => served.stop()));
    killChildren();
    await deployment?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  const other = (index: number) => apis[(index + 1) % 2] as Api;
  const via = (index: number) => apis[index % 2] as Api;

  it('creates on both are each visible from the other, and one email is taken once', async () => {
    const created = await Promise.all(
      Array.from({ length: 2 * CREATES_EACH }, (_, i) =>
        call<Customer>(via(i), 'POST', '/ledger/customers', {
          name: `Customer ${i}`,
          email: `scale-${i}@example.com`,
          currency: 'USD',
        }),
      ),
    );
    expect(created.map((answer) => answer.status)).toEqual(created.map(() => 201));
    for (const [i, answer] of created.entries()) {
      const read = await call<Customer>(other(i), 'GET', `/ledger/customers/${answer.body.id}`);
      expect(read.status, read.text).toBe(200);
      expect(read.body.email).toBe(`scale-${i}@example.com`);
    }
    for (let round = 0; round < 5; round++) {
      const both = await Promise.all(
        apis.map((api) =>
          call(api, 'POST', '/ledger/customers', {
            name: 'Twice',
            email: `twice-${round}@example.com`,
            currency: 'USD',
          }),
        ),
      );
      expect(both.map((answer) => answer.status).sort()).toEqual([201, 409]);
    }
  });

  it('concurrent credits through both processes lose none and apply none twice', async () => {
    const customers = await Promise.all(
      Array.from({ length: CREDITED }, async (_, i) => {
        const answer = await call<Customer>(via(i), 'POST', '/ledger/customers', {
          name: `Credited ${i}`,
          email: `credited-${i}@example.com`,
          currency: 'USD',
        });
        expect(answer.status, answer.text).toBe(201);
        return answer.body;
      }),
    );
    const credits = customers.flatMap((customer, c) =>
      Array.from({ length: CREDITS_EACH }, (_, i) => ({ customer, amount: 100 + c * 10 + i, i })),
    );
    const answers = await Promise.all(
      credits.map(({ customer, amount, i }) =>
        call(via(i), 'POST', `/ledger/customers/${customer.id}/credit`, {
          amount: { amount, currency: 'USD' },
          reason: `credit ${i}`,
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    for (const customer of customers) {
      const expected = -credits
        .filter((credit) => credit.customer.id === customer.id)
        .reduce((sum, credit) => sum + credit.amount, 0);
      for (const api of apis) {
        const read = await call<Customer>(api, 'GET', `/ledger/customers/${customer.id}`);
        expect(read.body.balance.amount).toBe(expected);
        const journal = await everyPage<Transaction>(
          api,
          `/ledger/customers/${customer.id}/balance-transactions`,
        );
        expect(journal.filter((row) => row.type === 'credit')).toHaveLength(CREDITS_EACH);
        expect(journal.reduce((sum, row) => sum + row.amount.amount, 0)).toBe(expected);
      }
    }
  });
});
