import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  check,
  diagnostics,
  findPnpm,
  importedPackages,
  installConsumer,
  NODE_COMPILER_OPTIONS,
  type PackedManifest,
  packInto,
  pnpmRun,
  readPacked,
  repoRoot,
  run,
  tscProject,
  workspaceCopy,
} from './pack-support.js';

/**
 * @ledger/domain as another service gets it: `pnpm pack` of packages/domain, installed offline
 * into a project outside the workspace, type-checked there against the published declarations
 * (strict, skipLibCheck off, NodeNext and Bundler) and run with node: it validates input with the
 * domain's schema, computes a tax rate, and runs `createCustomer` and `getCustomer` on an
 * in-memory store of its own that implements the store port.
 */

const domainDir = path.join(repoRoot, 'packages', 'domain');

/** The newest modification time of the files under `dir` that pass `keep`. */
function newestMtime(dir: string, keep: (file: string) => boolean): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, keep));
    else if (keep(full)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** True when dist/ is missing or older than the source or build config it is made from. */
function distIsStale(): boolean {
  const built = path.join(domainDir, 'dist', 'index.js');
  if (!existsSync(built)) return true;
  const source = Math.max(
    newestMtime(path.join(domainDir, 'src'), (file) => !/\.test\.ts$/.test(file)),
    statSync(path.join(domainDir, 'tsconfig.build.json')).mtimeMs,
  );
  return source > statSync(built).mtimeMs;
}

const UNKNOWN_ID = 'cus_01h455vb4pex5vsknk084sn02q';

/**
 * Another service's program: its own in-memory store (the customer and outbox parts of the store
 * port, which these verbs use; any other store call is refused), the domain's default ports, the
 * schema, the tax rate and two verbs. It is a Node.js program (`console` from @types/node).
 */
const OK_SOURCE = `import {
  builtInTax,
  CREATED_EVENT_SEQUENCE,
  CreateCustomerInput,
  type Customer,
  type CustomerStore,
  createCustomer,
  type ErrorCode,
  getCustomer,
  getRate,
  isLedgerError,
  LedgerError,
  type LedgerEvent,
  noBillingGuards,
  noPayments,
  noWebhookSecrets,
  portalLinksAt,
  offlineTaxIdVerifier,
  type OutboxStore,
  referenceFx,
  type Scope,
  type ServiceContext,
  silentLogger,
  type Store,
  type StoreTx,
  systemClock,
  type TaxRate,
  typeIdGenerator,
} from '@ledger/domain';

/** Customers and their events in memory; a failed transaction puts both back as they were. */
function memoryStore(): { store: Store; events: LedgerEvent[] } {
  let customers = new Map<string, Customer>();
  let events: LedgerEvent[] = [];
  const sequences = new Map<string, number>();
  const key = (scope: Scope, id: string) => \`\${scope.tenantId}/\${scope.appId}/\${id}\`;
  const inScope = (scope: Scope) =>
    [...customers.values()].filter((c) => c.tenantId === scope.tenantId && c.appId === scope.appId);
  const parts: CustomerStore & OutboxStore = {
    async createCustomer(scope, customer, created) {
      if (inScope(scope).some((c) => c.status === 'active' && c.email === customer.email)) {
        throw new LedgerError('duplicate_customer_email', 'A customer has this email', {
          param: ['email'],
        });
      }
      customers.set(key(scope, customer.id), structuredClone(customer));
      sequences.set(key(scope, customer.id), CREATED_EVENT_SEQUENCE);
      events.push(created);
    },
    async getCustomer(scope, id) {
      const found = customers.get(key(scope, id));
      return found ? structuredClone(found) : null;
    },
    async getCustomerByEmail(scope, email) {
      return inScope(scope).find((c) => c.status === 'active' && c.email === email) ?? null;
    },
    async updateCustomer(scope, customer) {
      customers.set(key(scope, customer.id), structuredClone(customer));
    },
    async deleteCustomer(scope, id, deletedAt) {
      const found = customers.get(key(scope, id));
      if (found) customers.set(key(scope, id), { ...found, status: 'deleted', deletedAt });
    },
    async listCustomers(scope, filter) {
      const rows = inScope(scope).slice(filter.offset, filter.offset + filter.limit);
      return { rows, total: inScope(scope).length, hasMore: false };
    },
    async nextEventSequence(scope, id) {
      const next = (sequences.get(key(scope, id)) ?? 0) + 1;
      sequences.set(key(scope, id), next);
      return next;
    },
    async appendEvent(event) {
      events.push(event);
    },
    async listEvents(scope, filter) {
      return events
        .filter((e) => e.tenantId === scope.tenantId && e.appId === scope.appId)
        .filter((e) => !filter.customerId || e.customerId === filter.customerId)
        .slice(0, filter.limit);
    },
    async claimEvents() {
      return [];
    },
    async listEventsPage(scope, filter) {
      const rows = events
        .filter((e) => e.tenantId === scope.tenantId && e.appId === scope.appId)
        .filter((e) => !filter.customerId || e.customerId === filter.customerId)
        .reverse();
      return { rows: rows.slice(0, filter.limit), total: rows.length, hasMore: rows.length > filter.limit };
    },
    async getEvent(scope, id) {
      return (
        events.find((e) => e.tenantId === scope.tenantId && e.appId === scope.appId && e.id === id) ??
        null
      );
    },
    async markEventsDelivered() {},
    async releaseEvents() {},
    async markEventFailed() {},
    async pruneEvents() {
      return 0;
    },
  };
  const transaction = async <T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> => {
    const before = { customers: new Map(customers), events: [...events] };
    try {
      return await fn(store);
    } catch (error) {
      customers = before.customers;
      events = before.events;
      throw error;
    }
  };
  // The other parts of the port (balances, payment methods, billing, FX) are not kept here.
  const store = new Proxy(
    { ...parts, transaction },
    {
      get: (target, name, receiver) =>
        typeof name === 'symbol' || name === 'then' || name in target
          ? Reflect.get(target, name, receiver)
          : () => Promise.reject(new Error(\`this store keeps no \${name}\`)),
    },
  ) as Store;
  return { store, get events() { return events; } };
}

const memory = memoryStore();
const ctx: ServiceContext = {
  store: memory.store,
  clock: systemClock,
  ids: typeIdGenerator,
  events: { notify: () => {}, handles: () => false },
  guards: noBillingGuards,
  payments: noPayments,
  tax: builtInTax('DE'),
  fx: referenceFx,
  taxIdVerifier: offlineTaxIdVerifier,
  logger: silentLogger,
  webhookSecrets: noWebhookSecrets,
  webhookUrls: { refusal: async () => null },
    portalLinks: portalLinksAt('http://127.0.0.1:3000'),
  scope: { tenantId: 'outside', appId: 'service' },
};

const input: CreateCustomerInput = {
  name: '  Outside Service  ',
  email: 'Outside.Service@Example.com',
  currency: 'eur',
  billingAddress: { line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', country: 'de' },
};
const valid = CreateCustomerInput.safeParse(input);
const refused = CreateCustomerInput.safeParse({ name: 'B', email: 'not-an-email', currency: 'EUR' });
const rate: TaxRate = getRate({ country: 'DE' });
const french: string = getRate({ country: 'FR' }).rate;

const created: Customer = await createCustomer(ctx, input);
const read: Customer = await getCustomer(ctx, { id: created.id });
const codeOf = async (attempt: () => Promise<unknown>): Promise<ErrorCode | null> => {
  try {
    await attempt();
    return null;
  } catch (error) {
    return isLedgerError(error) ? error.code : null;
  }
};
const duplicate = await codeOf(() => createCustomer(ctx, { ...input, name: 'Again' }));
const notFound = await codeOf(() => getCustomer(ctx, { id: '${UNKNOWN_ID}' }));
const badEmail = await codeOf(() =>
  createCustomer(ctx, { name: 'B', email: 'not-an-email', currency: 'EUR' }),
);

console.log(
  JSON.stringify({
    valid: valid.success ? valid.data : null,
    refused: refused.success ? null : refused.error.issues.map((issue) => issue.path.join('.')),
    rate: rate.rate,
    jurisdiction: rate.jurisdiction,
    french,
    created: {
      id: created.id,
      name: created.name,
      email: created.email,
      currency: created.currency,
      balance: created.balance,
      country: created.billingAddress?.country ?? null,
      createdAtIsDate: created.createdAt instanceof Date,
    },
    readBack: read.id === created.id && read.email === created.email,
    events: memory.events.map((event) => [event.type, event.customerId, event.sequence]),
    duplicate,
    notFound,
    badEmail,
  }),
);
`;

/** Wrong uses, one a line, each a type error: bad input, an internal helper, a deep import, a context missing a port. */
const BAD_LINES = {
  currency: `await createCustomer(ctx, { name: 'B', email: 'b@example.com', currency: 123 });`,
  internal: `import { finalizeDraft } from '@ledger/domain';`,
  deep: `import { postBalance } from '@ledger/domain/dist/balance/post-balance.js';`,
  logger: `const { logger: _logger, ...withoutLogger } = ctx; const partial: ServiceContext = withoutLogger;`,
};
const BAD_SOURCE = [
  `import { createCustomer, type ServiceContext } from '@ledger/domain';`,
  BAD_LINES.internal,
  BAD_LINES.deep,
  `declare const ctx: ServiceContext;`,
  BAD_LINES.currency,
  BAD_LINES.logger,
  `export { finalizeDraft, partial, postBalance };`,
  '',
].join('\n');
const badLine = (line: string) => BAD_SOURCE.split('\n').indexOf(line) + 1;

/** A Node.js project: strict, the library's declarations checked too (skipLibCheck off). */
const COMPILER_OPTIONS = { ...NODE_COMPILER_OPTIONS, exactOptionalPropertyTypes: true };

describe('the packed @ledger/domain', { timeout: 180_000 }, () => {
  let tmp: string;
  let project: string;
  let files: string[];
  let manifest: PackedManifest;
  let contents: Map<string, Buffer>;
  let pnpm: string[];

  const tsc = (config: string) => tscProject(project, config);

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ledger-domain-pack-'));
    pnpm = await findPnpm();
    if (distIsStale()) {
      check(await pnpmRun(pnpm, ['--filter', '@ledger/domain', 'build'], repoRoot), 'build');
    }

    const { packDir, packed } = await packInto(pnpm, domainDir, tmp);
    expect(packed).toHaveLength(1);
    const tarball = path.join(packDir, packed[0] ?? '');

    ({ contents, files, manifest } = await readPacked(tarball));

    // The consumer uses the workspace's pnpm, TypeScript and @types/node, already in the store.
    project = await installConsumer(pnpm, tmp, {
      name: 'ledger-domain-consumer',
      files: {
        'ok.ts': OK_SOURCE,
        'bad.ts': BAD_SOURCE,
        'tsconfig.json': JSON.stringify({ compilerOptions: COMPILER_OPTIONS }),
        'tsconfig.ok.json': JSON.stringify({ extends: './tsconfig.json', files: ['ok.ts'] }),
        'tsconfig.bundler.json': JSON.stringify({
          extends: './tsconfig.json',
          compilerOptions: { module: 'Preserve', moduleResolution: 'Bundler' },
          files: ['ok.ts'],
        }),
        'tsconfig.bad.json': JSON.stringify({ extends: './tsconfig.json', files: ['bad.ts'] }),
        'tsconfig.build.json': JSON.stringify({
          extends: './tsconfig.json',
          compilerOptions: { noEmit: false, outDir: 'build' },
          files: ['ok.ts'],
        }),
      },
      dependencies: { '@ledger/domain': `file:${tarball}` },
      // Offline without registry metadata: the domain's declared dependencies point at the
      // workspace's installed copies, of the very versions it declares.
      linkDeclared: async () => {
        const overrides: Record<string, string> = {};
        for (const [name, spec] of Object.entries(manifest.dependencies ?? {})) {
          const copy = await workspaceCopy(name, domainDir);
          if (/^\d+\.\d+\.\d+/.test(spec)) expect(copy.version, name).toBe(spec);
          overrides[name] = `link:${copy.dir}`;
        }
        return overrides;
      },
    });
  }, 180_000);

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('ships dist/ with its data, README and LICENSE, and nothing of src or the tests', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/README.md',
        'package/LICENSE',
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/dist/internal.js',
        'package/dist/internal.d.ts',
        // The shipped tables the rules read at import time.
        'package/dist/tax/rates.json',
        'package/dist/fx/rates.json',
      ]),
    );
    for (const file of files) {
      expect(file).toMatch(/^package\/(dist\/[^/].*|package\.json|README\.md|LICENSE)$/);
      expect(file).not.toMatch(/\.test\.|\.tsbuildinfo$|(^|\/)(src|test)\//);
    }
    expect(contents.get('package/LICENSE')?.toString('utf8')).toMatch(/^MIT License/);
    expect(contents.get('package/README.md')?.toString('utf8')).toContain(
      'npm install @ledger/domain',
    );
  });

  it('points its exports at dist only, and depends on no workspace package', () => {
    expect(manifest.license).toBe('MIT');
    expect(manifest.private).toBeUndefined();
    expect(manifest.types).toBe('./dist/index.d.ts');
    // The workspace-only `@ledger/source` condition (TypeScript source) is not published.
    expect(manifest.exports).toEqual({
      '.': { types: './dist/index.d.ts', import: './dist/index.js' },
      './internal': { types: './dist/internal.d.ts', import: './dist/internal.js' },
      './package.json': './package.json',
    });
    const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
    expect(Object.keys(declared).filter((name) => name.startsWith('@ledger/'))).toEqual([]);
    expect(Object.values(declared).filter((range) => range.startsWith('workspace:'))).toEqual([]);

    // Every package the built files import (code and declarations) is a declared dependency.
    const imported = new Set<string>();
    for (const [file, buffer] of contents) {
      if (!/\.(js|d\.ts)$/.test(file)) continue;
      for (const name of importedPackages(buffer.toString('utf8'))) imported.add(name);
    }
    expect(imported.size).toBeGreaterThan(0);
    for (const name of imported) expect(Object.keys(declared), name).toContain(name);
  });

  it('type-checks another service’s program against the declarations (NodeNext and Bundler)', async () => {
    const [nodeNext, bundler] = await Promise.all([
      tsc('tsconfig.ok.json'),
      tsc('tsconfig.bundler.json'),
    ]);
    expect(nodeNext.stdout + nodeNext.stderr).toBe('');
    expect(nodeNext.code).toBe(0);
    expect(bundler.stdout + bundler.stderr).toBe('');
    expect(bundler.code).toBe(0);
  });

  it('refuses wrong uses with type errors: bad input, internals, deep imports, a missing port', async () => {
    const result = await tsc('tsconfig.bad.json');
    expect(result.code).not.toBe(0);
    const errors = diagnostics(result.stdout);
    expect(errors.map(({ file, line, code }) => ({ file, line, code }))).toEqual([
      { file: 'bad.ts', line: badLine(BAD_LINES.internal), code: 'TS2305' },
      { file: 'bad.ts', line: badLine(BAD_LINES.deep), code: 'TS2307' },
      { file: 'bad.ts', line: badLine(BAD_LINES.currency), code: 'TS2322' },
      { file: 'bad.ts', line: badLine(BAD_LINES.logger), code: 'TS2741' },
    ]);
    expect(errors[0]?.message).toContain("has no exported member 'finalizeDraft'");
    expect(errors[1]?.message).toContain("'@ledger/domain/dist/balance/post-balance.js'");
    expect(errors[2]?.message).toContain("Type 'number' is not assignable to type 'string'");
    expect(errors[3]?.message).toContain("Property 'logger' is missing");
  });

  it('validates, computes tax and runs the verbs on its own store, compiled and run by node', async () => {
    check(await tsc('tsconfig.build.json'), 'tsc (build ok.ts)');
    const result = check(
      await run(process.execPath, [path.join('build', 'ok.js')], { cwd: project }),
      'node',
    );
    const printed = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as {
      created: { id: string };
    };
    const id = printed.created.id;
    expect(printed).toEqual({
      valid: {
        name: 'Outside Service',
        email: 'outside.service@example.com',
        currency: 'EUR',
        billingAddress: {
          line1: 'Unter den Linden 1',
          city: 'Berlin',
          postalCode: '10117',
          country: 'DE',
        },
      },
      refused: ['email'],
      rate: '0.19',
      jurisdiction: 'DE',
      french: '0.2',
      created: {
        id: expect.stringMatching(/^cus_[0-9a-z]{26}$/),
        name: 'Outside Service',
        email: 'outside.service@example.com',
        currency: 'EUR',
        balance: { amount: 0, currency: 'EUR' },
        country: 'DE',
        createdAtIsDate: true,
      },
      readBack: true,
      // One event for the one customer created; the refused duplicate left none.
      events: [['customer.created', id, 1]],
      duplicate: 'duplicate_customer_email',
      notFound: 'customer_not_found',
      badEmail: 'invalid_email',
    });
  });
});
