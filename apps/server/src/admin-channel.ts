import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { type ApiKeyStore, type Clock, issueApiKey } from '@ledger/domain';
import { z } from 'zod';

/**
 * A server's local admin channel, for what the CLI cannot do while the server holds the embedded
 * data directory: `ledger api-keys create` (or `revoke`), refused the directory, asks the server
 * to create (or revoke) the key. It is a Unix socket inside `<data dir>/admin/`, a directory only its owner may enter
 * (mode 0700), so the operating system is what authenticates: only that user (and root) can
 * connect, the same ones who could read or change the database files anyway. Nothing listens on
 * the network for it. There is none on Windows (the CLI then says to stop the server).
 */

const scoped = { tenantId: z.string(), appId: z.string() };

/** The requests there are: create or revoke an API key, as `ledger api-keys …` would. */
const AdminRequest = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('api-keys.create'),
    ...scoped,
    name: z.string().max(200).optional(),
  }),
  z.strictObject({ op: z.literal('api-keys.revoke'), ...scoped, id: z.string().max(200) }),
]);

/** A request to a server's admin channel. */
export type AdminRequest = z.infer<typeof AdminRequest>;

/** The server's answer: the new key (its secret, shown once), whether a key was revoked, or why not. */
export type AdminAnswer =
  | { ok: true; id: string; tenantId: string; appId: string; secret: string }
  | { ok: true; id: string; tenantId: string; appId: string; revoked: boolean }
  | { ok: false; error: string };

/** Carries out one admin request on this server's key store. */
async function carryOut(
  request: AdminRequest,
  keys: ApiKeyStore,
  clock: Clock,
): Promise<AdminAnswer> {
  const { tenantId, appId } = request;
  if (request.op === 'api-keys.revoke') {
    const revoked = await keys.revokeApiKey({ tenantId, appId }, request.id, clock.now());
    return { ok: true, id: request.id, tenantId, appId, revoked };
  }
  const { secret, key } = await issueApiKey(
    keys,
    clock,
    { tenantId, appId },
    { name: request.name },
  );
  return { ok: true, id: key.id, tenantId: key.tenantId, appId: key.appId, secret };
}

/** A request is one short line; anything longer is not from the CLI. */
const MAX_LINE_BYTES = 4096;
/** How long either side waits for the other. */
const WAIT_MS = 10_000;

/** Reads one newline-terminated line from `socket`. */
function readLine(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
      else if (text.length > MAX_LINE_BYTES) socket.destroy(new Error('the line is too long'));
    });
    socket.once('end', () => reject(new Error('the connection ended before a whole line')));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('the connection closed')));
  });
}

async function answer(socket: Socket, keys: ApiKeyStore, clock: Clock): Promise<void> {
  socket.setTimeout(WAIT_MS, () => socket.destroy());
  let reply: AdminAnswer;
  try {
    const parsed = AdminRequest.safeParse(JSON.parse(await readLine(socket)));
    if (!parsed.success) throw new Error('the admin request is not one this server knows');
    reply = await carryOut(parsed.data, keys, clock);
  } catch (error) {
    reply = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  if (socket.writable) socket.end(`${JSON.stringify(reply)}\n`);
}

/** An open admin channel. */
export interface AdminChannel {
  path: string;
  /** Stops accepting, lets a request in progress finish, and removes the socket. */
  close(): Promise<void>;
}

/**
 * Opens the admin channel of the server holding `dataDir`; null where there can be none
 * (Windows, or a socket path too long for the system), after `warn`ing why.
 */
export async function openAdminChannel(
  dataDir: string,
  keys: ApiKeyStore,
  clock: Clock,
  warn: (message: string) => void,
): Promise<AdminChannel | null> {
  if (process.platform === 'win32') return null;
  const dir = join(dataDir, 'admin');
  const path = join(dir, 'ledger.sock');
  const sockets = new Set<Socket>();
  const inProgress = new Set<Promise<void>>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    const work = answer(socket, keys, clock);
    inProgress.add(work);
    void work.finally(() => inProgress.delete(work));
  });
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    // A socket left by a process that died: this one holds the data directory's lock now.
    rmSync(path, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } catch (error) {
    warn(`No admin socket at ${path} (${error instanceof Error ? error.message : error}).`);
    return null;
  }
  return {
    path,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(inProgress);
      for (const socket of sockets) socket.destroy();
      await closed;
      rmSync(path, { force: true });
    },
  };
}

/** Sends `request` to the admin channel at `path` and returns the server's answer. */
export function askServer(path: string, request: AdminRequest): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.setTimeout(WAIT_MS, () => socket.destroy(new Error('the server did not answer')));
    socket.once('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    readLine(socket).then((line) => {
      socket.destroy();
      resolve(JSON.parse(line) as AdminAnswer);
    }, reject);
  });
}
