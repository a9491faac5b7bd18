import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import type { Received } from './receivers.js';

/**
 * Helpers of the webhook tests that run real `ledger serve` processes (kill -9, several
 * processes on one PostgreSQL): REST calls by URL and key, every page of a list, signature
 * checks with the `standardwebhooks` library, polling, and which process a delivery came from.
 */

/** Where and as whom a test calls a spawned server. */
export interface Api {
  url: string;
  key: string;
}

/** One REST call to a spawned server: status and parsed JSON body (null when empty). */
export async function call<T = Record<string, unknown>>(
  api: Api,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T; text: string }> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${api.key}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, text };
}

/** Every row of a REST list (`path` may carry a query already), page by page. */
export async function everyPage<T>(api: Api, path: string): Promise<T[]> {
  const rows: T[] = [];
  const glue = path.includes('?') ? '&' : '?';
  let cursor: string | null = null;
  do {
    const after: string = cursor ? `&starting_after=${cursor}` : '';
    const page = await call<{ data: T[]; pagination: { next_cursor: string | null } }>(
      api,
      'GET',
      `${path}${glue}limit=100${after}`,
    );
    expect(page.status, page.text).toBe(200);
    rows.push(...page.body.data);
    cursor = page.body.pagination.next_cursor;
  } while (cursor);
  return rows;
}

/** A new endpoint to `url`, with the signing secret its create answer carries once. */
export async function createEndpoint(
  api: Api,
  url: string,
  enabledEvents: string[],
): Promise<{ id: string; secret: string }> {
  const created = await call<{ id: string; secret: string }>(
    api,
    'POST',
    '/ledger/webhook-endpoints',
    { url, enabled_events: enabledEvents },
  );
  expect(created.status, created.text).toBe(201);
  return created.body;
}

/** An attempt as the deliveries log lists it. */
export interface Attempt {
  id: string;
  event_id: string;
  attempt: number;
  status: 'pending' | 'succeeded' | 'failed';
  error: string | null;
}

/** The endpoint's whole attempts log. */
export function attemptsOf(api: Api, endpointId: string): Promise<Attempt[]> {
  return everyPage<Attempt>(api, `/ledger/webhook-endpoints/${endpointId}/deliveries`);
}

/** Throws unless `request` carries a valid Standard Webhooks signature by `secret`. */
export function verifySigned(secret: string, request: Received): void {
  const headers: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    headers[name] = String(request.headers[name]);
  }
  new Webhook(secret).verify(request.body, headers);
}

/** Polls `check` every 100 ms until it holds; fails with `what` after `timeoutMs`. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

/** The inode of the IPv4 TCP socket from local port `port` to remote port `peerPort`. */
function socketInode(port: number, peerPort: number): string | null {
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    const fields = line.trim().split(/\s+/);
    const [local, remote, inode] = [fields[1], fields[2], fields[9]];
    if (!local || !remote || !inode) continue;
    const portOf = (address: string) => Number.parseInt(address.split(':')[1] ?? '', 16);
    if (portOf(local) === port && portOf(remote) === peerPort) return inode;
  }
  return null;
}

/**
 * Which of `pids` holds the connection a receiver on `peerPort` sees coming from `port`, or null
 * (Linux only: the socket's inode in /proc/net/tcp, then the process whose descriptor points at
 * it). Every Ledger process sends the same headers; this is how a test tells them apart. Call it
 * while the request is being answered, when the connection is surely open.
 */
export function connectionOwner(port: number, peerPort: number, pids: number[]): number | null {
  const inode = socketInode(port, peerPort);
  if (inode === null) return null;
  const target = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return pid;
      } catch {
        // The descriptor closed while we looked.
      }
    }
  }
  return null;
}
