import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RestResponse, startTestLedger, type TestLedger } from './harness.js';
import {
  createCustomer,
  errorOf,
  getRetrying,
  monthlyPlan,
  subscribe,
  type Wire,
  type WireInvoice,
  type WireList,
} from './support.js';

/**
 * PostgreSQL's connections killed again and again under a write load (as a flapping network or
 * a failover would): the server keeps answering, every write it acknowledged is there, keyed
 * writes retried through the faults are applied exactly once, every balance equals its journal
 * and every invoice's sums hold.
 */

type JournalRow = Wire & {
  type: string;
  description: string;
  amount: { amount: number };
  ending_balance: { amount: number };
};
type CreditAnswer = { transaction: { id: string } };

const LOAD_MS = 4_000;
const KILL_EVERY_MS = 150;
const WORKERS = 8;

describe.each(testDatabaseKinds().filter((kind) => kind === 'postgres'))(
  'connections killed under write load (%s)',
  (kind) => {
    let t: TestLedger;
    beforeAll(async () => {
      t = await startTestLedger(kind);
    });
    afterAll(() => t?.close());

    /** A keyed request sent until it is answered by something other than a fault. */
    async function untilApplied<T>(
      send: () => Promise<RestResponse<T>>,
      statuses: Map<number, number>,
    ): Promise<RestResponse<T>> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const res = await send();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const fault =
          res.status === 503 ||
          (res.status === 409 && errorOf(res.body).code === 'idempotency_key_in_use');
        if (!fault) return res;
        if (Date.now() > deadline) throw new Error(`still ${res.status} ${res.text}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    async function journalOf(customerId: string): Promise<JournalRow[]> {
      const rows: JournalRow[] = [];
      let after = '';
      for (;;) {
        const page = await getRetrying<WireList<JournalRow>>(
          t,
          `/ledger/customers/${customerId}/balance-transactions?limit=100${after}`,
        );
        expect(page.status, page.text).toBe(200);
        rows.push(...page.body.data);
        const last = page.body.data.at(-1);
        if (!page.body.pagination.has_more || !last) return rows;
        after = `&starting_after=${last.id}`;
      }
    }

    it('survives, loses no acknowledged write, applies each keyed write once', async () => {
      const faults = t.database.faults;
      if (!faults) throw new Error('a PostgreSQL test database has faults');
      const plan = await monthlyPlan(t, 'load', 1_999);
      const customers = await Promise.all(
        Array.from({ length: 4 }, (_, i) => createCustomer(t, { email: `load-${i}@example.com` })),
      );
      const subscriptions = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const customer = await createCustomer(t, { email: `invoiced-${i}@example.com` });
          return subscribe(t, customer.id, plan.id);
        }),
      );

      const statuses = new Map<number, number>();
      const acknowledged: string[] = [];
      const keyedCredits = new Map<string, string>();
      const invoiceBySubscription = new Map<string, string>();
      let killing = true;
      let kills = 0;
      const killer = (async () => {
        while (killing) {
          await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS));
          await faults.terminate();
          kills++;
        }
      })();

      const until = Date.now() + LOAD_MS;
      let n = 0;
      const pendingInvoices = [...subscriptions];
      await Promise.all(
        Array.from({ length: WORKERS }, async (_, worker) => {
          // Worker 0 also goes on until every subscription is invoiced, however slow the machine.
          while (Date.now() < until || (worker === 0 && pendingInvoices.length > 0)) {
            const i = n++;
            const customer = customers[i % customers.length];
            if (!customer) throw new Error('no customer');
            const subscription = worker === 0 ? pendingInvoices.shift() : undefined;
            if (subscription) {
              const res = await untilApplied(
                () =>
                  t.rest<WireInvoice>('POST', '/ledger/invoices', {
                    body: { subscription_id: subscription.id },
                    headers: { 'Idempotency-Key': `invoice-${subscription.id}` },
                  }),
                statuses,
              );
              expect(res.status, res.text).toBe(201);
              invoiceBySubscription.set(subscription.id, res.body.id);
            } else if (i % 2 === 0) {
              // Keyed: retried through the faults, so it ends applied, once.
              const key = `credit-${i}`;
              const res = await untilApplied(
                () =>
                  t.rest<CreditAnswer>('POST', `/ledger/customers/${customer.id}/credit`, {
                    body: { amount: { amount: 100 + (i % 7), currency: 'USD' }, reason: key },
                    headers: { 'Idempotency-Key': key },
                  }),
                statuses,
              );
              expect(res.status, res.text).toBe(200);
              keyedCredits.set(key, res.body.transaction.id);
            } else {
              // Unkeyed: a fault leaves it unknown to the caller; an acknowledgement must hold.
              const res = await t.rest<CreditAnswer>(
                'POST',
                `/ledger/customers/${customer.id}/credit`,
                { body: { amount: { amount: 50, currency: 'USD' }, reason: `plain-${i}` } },
              );
              statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
              if (res.status === 200) acknowledged.push(res.body.transaction.id);
              else expect(res.status, res.text).toBe(503);
            }
          }
        }),
      );
      killing = false;
      await killer;

      expect((await t.rest('GET', '/healthz', { key: null })).status).toBe(200);
      expect(kills).toBeGreaterThan(10);
      expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
      expect(
        [...statuses.keys()].filter((status) => ![200, 201, 409, 503].includes(status)),
      ).toEqual([]);

      const journal = (await Promise.all(customers.map((c) => journalOf(c.id)))).flat();
      const ids = new Set(journal.map((row) => row.id));
      for (const id of acknowledged) expect(ids.has(id), `acknowledged ${id}`).toBe(true);
      for (const [key, id] of keyedCredits) {
        expect(journal.filter((row) => row.description === key).map((row) => row.id)).toEqual([id]);
      }
      for (const customer of customers) {
        const rows = (await journalOf(customer.id)).reverse();
        let running = 0;
        for (const row of rows) {
          running += row.amount.amount;
          expect(row.ending_balance.amount).toBe(running);
        }
        const read = await getRetrying<{ balance: { amount: number } }>(
          t,
          `/ledger/customers/${customer.id}`,
        );
        expect(read.body.balance.amount).toBe(running);
      }

      expect(invoiceBySubscription.size).toBe(subscriptions.length);
      for (const subscription of subscriptions) {
        const list = await getRetrying<WireList<WireInvoice>>(
          t,
          `/ledger/customers/${subscription.customer_id}/invoices`,
        );
        expect(list.body.data.map((invoice) => invoice.id)).toEqual([
          invoiceBySubscription.get(subscription.id),
        ]);
        for (const invoice of list.body.data) {
          const lines = invoice.line_items.reduce((sum, line) => sum + line.amount.amount, 0);
          expect(invoice.subtotal.amount).toBe(lines);
          expect(invoice.total.amount).toBe(invoice.subtotal.amount + invoice.tax.amount.amount);
          expect(invoice.amount_due.amount).toBe(
            invoice.total.amount - invoice.credit_applied.amount,
          );
        }
      }
      console.info(
        `write load under faults: ${kills} kills, ${n} requests, ${keyedCredits.size} keyed credits, ` +
          `${acknowledged.length} plain credits acknowledged, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
      );
    }, 60_000);
  },
);
