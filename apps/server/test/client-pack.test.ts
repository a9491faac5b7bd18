import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  check,
  childEnv,
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
  withoutComments,
  workspaceCopy,
} from './pack-support.js';

/**
 * The published package as a user gets it: `pnpm pack` of packages/client, installed offline
 * into a project outside the workspace next to its tRPC peers, type-checked there with the
 * bundled declarations (strict, skipLibCheck off, `lib: ES2022` without the DOM library, Node's
 * types) and run against a live server.
 */

const clientDir = path.join(repoRoot, 'packages', 'client');

/** Whether `version` (x.y.z) is in `range`: an exact version, or `^x.y.z` (same major, not older). */
function inRange(version: string, range: string): boolean {
  const parse = (v: string) => v.split('.').map((part) => Number.parseInt(part, 10));
  if (!range.startsWith('^')) return version === range;
  const [major, minor = 0, patch = 0] = parse(version);
  const [wantMajor, wantMinor = 0, wantPatch = 0] = parse(range.slice(1));
  if (major !== wantMajor) return false;
  if (minor !== wantMinor) return minor > wantMinor;
  return patch >= wantPatch;
}

/** The value (not type-only) names that `export { … }` lists and `export const|function|class` declare. */
function exportedValues(code: string): string[] {
  const names = new Set<string>();
  for (const match of withoutComments(code).matchAll(/\bexport\s*\{([^}]*)\}/g)) {
    for (const part of (match[1] ?? '').split(',')) {
      const item = part.trim();
      if (item === '' || item.startsWith('type ')) continue;
      names.add(item.split(/\s+as\s+/).at(-1) ?? item);
    }
  }
  const declared =
    /\bexport\s+(?:declare\s+)?(?:async\s+)?(?:function|const|let|var|class)\s+([\w$]+)/g;
  for (const match of withoutComments(code).matchAll(declared)) names.add(match[1] ?? '');
  return [...names].sort();
}

const UNKNOWN_ID = 'cus_01h455vb4pex5vsknk084sn02q';

/**
 * A correct use of the client: creates a customer and a plan, lists them, branches on a Ledger
 * error code. It is a Node.js program: `process` and `console` come from @types/node.
 */
const OK_SOURCE = `import {
  type CreatePlanInput,
  type Customer,
  createLedgerClient,
  type ErrorCode,
  ledgerErrorOf,
  type Plan,
  type PlanList,
  type RouterOutputs,
} from '@ledger/client';

const url = process.env.LEDGER_URL;
const apiKey = process.env.LEDGER_API_KEY;
if (!url || !apiKey) throw new Error('LEDGER_URL and LEDGER_API_KEY must be set');

const client = createLedgerClient({ url, apiKey });
const customer: Customer = await client.customer.create.mutate({
  name: 'Packed Client',
  email: 'Packed.Client@Example.com',
  currency: 'eur',
});
const amount: number = customer.balance.amount;
const currency: string = customer.balance.currency;
const createdAt: Date = customer.createdAt;
const page: RouterOutputs['customer']['list'] = await client.customer.list.query({
  email: customer.email ?? undefined, // null only once a customer is erased
});
const starter: CreatePlanInput = {
  name: 'Starter',
  slug: 'starter',
  currency: 'usd',
  pricing: { baseAmount: 1900, billingPeriod: 'monthly', tiers: [] },
};
const plan: Plan = await client.plan.create.mutate(starter);
const plans: PlanList = await client.plan.list.query();
let notFound: ErrorCode | null = null;
try {
  await client.customer.get.query({ id: '${UNKNOWN_ID}' });
} catch (error) {
  const code = ledgerErrorOf(error)?.code;
  switch (code) {
    case 'customer_not_found':
    case 'not_found':
      notFound = code;
      break;
    default:
      throw error;
  }
}
console.log(
  JSON.stringify({
    id: customer.id,
    email: customer.email,
    amount,
    currency,
    createdAtIsDate: createdAt instanceof Date,
    listed: page.data.map((c) => c.id),
    plan: { id: plan.id, currency: plan.currency, createdAtIsDate: plan.createdAt instanceof Date },
    plans: plans.data.map((p) => p.id),
    notFound,
  }),
);
`;

/**
 * Wrong uses, one a line, each a type error: bad input, bad procedure, bad output, a type as a
 * value, a misspelt error code, a bad billing input.
 */
const BAD_LINES = {
  currency: `await client.customer.create.mutate({ name: 'B', email: 'b@example.com', currency: 123 });`,
  procedure: `await client.customer.craete.mutate({ name: 'B', email: 'b@example.com', currency: 'USD' });`,
  output: `const amount: string = (await client.customer.get.query({ id: '${UNKNOWN_ID}' })).balance.amount;`,
  // A type that shares its name with a zod schema in @ledger/domain is a type here, not a value.
  schema: `CreateCustomerInput.parse({ name: 'B', email: 'b@example.com', currency: 'USD' });`,
  // `code` is the closed ErrorCode union, not `string`: a misspelt case does not compile.
  errorCode: `switch (ledgerErrorOf(null)?.code) { case 'customer_not_fund': break; }`,
  billingInput: `await client.plan.create.mutate({ name: 'P', slug: 'p', currency: 'USD', pricing: { baseAmount: 100, billingPeriod: 'weekly', tiers: [] } });`,
};
const BAD_SOURCE = [
  `import { CreateCustomerInput, createLedgerClient, ledgerErrorOf } from '@ledger/client';`,
  `const client = createLedgerClient({ url: 'http://127.0.0.1:9', apiKey: 'key' });`,
  BAD_LINES.currency,
  BAD_LINES.procedure,
  BAD_LINES.output,
  BAD_LINES.schema,
  BAD_LINES.errorCode,
  BAD_LINES.billingInput,
  `export { amount };`,
  '',
].join('\n');
const badLine = (line: string) => BAD_SOURCE.split('\n').indexOf(line) + 1;

/**
 * A Node.js project without the DOM library. `types: ['node']` is what such a project has, and it
 * is needed: zod's and tRPC's own declarations name `URL`, `AbortSignal`, `Disposable`, …, which
 * ES2022 alone lacks. The client's declarations add no other need (see the no-shim check).
 */
const COMPILER_OPTIONS = NODE_COMPILER_OPTIONS;

/**
 * @trpc/client 11's declarations name the DOM's `RequestInfo`, which @types/node does not declare
 * (trpc/trpc#6136 is the same gap for another name): without the DOM library a project with
 * skipLibCheck off declares it, as the client's README says. Nothing of @ledger/client needs it.
 */
const TRPC_NO_DOM_SHIM = 'type RequestInfo = string | URL | Request;\n';
const SHIM = 'trpc-no-dom.d.ts';

describe('the packed @ledger/client', { timeout: 180_000 }, () => {
  let tmp: string;
  let project: string;
  let tarball: string;
  let files: string[];
  let manifest: PackedManifest;
  const dist = new Map<string, string>();
  /** README.md and LICENSE of the tarball, as text. */
  const docs = new Map<string, string>();
  let pnpm: string[];
  let t: TestLedger;

  const tsc = (config: string) => tscProject(project, config);

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ledger-client-pack-'));
    pnpm = await findPnpm();
    if (!existsSync(path.join(clientDir, 'dist', 'index.d.ts'))) {
      check(await pnpmRun(pnpm, ['--filter', '@ledger/client...', 'build'], repoRoot), 'build');
    }

    const { packDir, packed } = await packInto(pnpm, clientDir, tmp);
    expect(packed).toHaveLength(1);
    tarball = path.join(packDir, packed[0] ?? '');

    const { contents, ...read } = await readPacked(tarball);
    ({ files, manifest } = read);
    for (const name of ['index.js', 'index.d.ts']) {
      dist.set(name, contents.get(`package/dist/${name}`)?.toString('utf8') ?? '');
    }
    for (const name of ['README.md', 'LICENSE']) {
      docs.set(name, contents.get(`package/${name}`)?.toString('utf8') ?? '');
    }

    // The consumer pins the workspace's TypeScript (the peer of @trpc/*) besides its pnpm and
    // @types/node, all already in the store; it installs the client's tRPC peers itself, at the
    // versions the client is built with, as a user would.
    const typescript = await workspaceCopy('typescript', repoRoot);
    const peers: Record<string, string> = {};
    for (const name of Object.keys(manifest.peerDependencies ?? {})) {
      peers[name] = (await workspaceCopy(name, clientDir)).version;
    }

    project = await installConsumer(pnpm, tmp, {
      name: 'ledger-client-consumer',
      files: {
        'ok.ts': OK_SOURCE,
        'bad.ts': BAD_SOURCE,
        [SHIM]: TRPC_NO_DOM_SHIM,
        'tsconfig.json': JSON.stringify({ compilerOptions: COMPILER_OPTIONS }),
        'tsconfig.ok.json': JSON.stringify({ extends: './tsconfig.json', files: ['ok.ts', SHIM] }),
        'tsconfig.bundler.json': JSON.stringify({
          extends: './tsconfig.json',
          compilerOptions: { module: 'Preserve', moduleResolution: 'Bundler' },
          files: ['ok.ts', SHIM],
        }),
        'tsconfig.noshim.json': JSON.stringify({ extends: './tsconfig.json', files: ['ok.ts'] }),
        'tsconfig.bad.json': JSON.stringify({
          extends: './tsconfig.json',
          files: ['bad.ts', SHIM],
        }),
        'tsconfig.build.json': JSON.stringify({
          extends: './tsconfig.json',
          compilerOptions: { noEmit: false, outDir: 'build' },
          files: ['ok.ts', SHIM],
        }),
      },
      dependencies: { '@ledger/client': `file:${tarball}`, ...peers },
      devDependencies: { typescript: typescript.version },
      // Offline without registry metadata: the client's declared dependencies and peers point at
      // the workspace's copies, which must be versions it accepts.
      linkDeclared: async () => {
        const overrides: Record<string, string> = {};
        const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
        for (const [name, spec] of Object.entries(declared)) {
          const copy = await workspaceCopy(name, clientDir);
          expect(inRange(copy.version, spec), `${name}@${copy.version} in ${spec}`).toBe(true);
          overrides[name] = `link:${copy.dir}`;
        }
        return overrides;
      },
    });
    t = await startTestLedger('pglite');
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('contains only dist/, package.json, README and LICENSE, and depends on no workspace package', async () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package/dist/index.d.ts',
        'package/dist/index.js',
        'package/package.json',
        'package/README.md',
        'package/LICENSE',
      ]),
    );
    for (const file of files) {
      expect(file).toMatch(/^package\/(dist\/[^/].*|package\.json|README(\.md)?|LICENSE(\.md)?)$/i);
    }
    expect(files.some((file) => /(^|\/)(src|test)\//.test(file))).toBe(false);

    // MIT, and a README that documents what a user calls and imports.
    expect(manifest.license).toBe('MIT');
    expect(docs.get('LICENSE')).toMatch(/^MIT License\n/);
    const readme = docs.get('README.md') ?? '';
    for (const topic of ['createLedgerClient', 'idempotencyKey', 'ledgerErrorOf', 'ErrorCode']) {
      expect(readme, topic).toContain(topic);
    }
    for (const name of ['Customer', 'Plan', 'Invoice', 'CreatePlanInput', 'RouterOutputs']) {
      expect(readme, name).toContain(`\`${name}\``);
    }

    // tRPC is a peer: the app has one copy, shared with its own tRPC code, at a version in range.
    // superjson (configured inside) and zod (named by the declarations) come with the client.
    for (const name of ['@trpc/client', '@trpc/server']) {
      expect(manifest.peerDependencies?.[name], name).toMatch(/^\^11\.\d+\.\d+$/);
      expect(manifest.dependencies?.[name], name).toBeUndefined();
    }
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(['superjson', 'zod']);

    const runtimeDeps = { ...manifest.dependencies, ...manifest.peerDependencies };
    expect(Object.keys(runtimeDeps).filter((name) => name.startsWith('@ledger/'))).toEqual([]);
    expect(Object.values(runtimeDeps).filter((range) => range.startsWith('workspace:'))).toEqual(
      [],
    );
    expect(manifest.exports['.']).toEqual({
      types: './dist/index.d.ts',
      import: './dist/index.js',
    });

    // Every package the built files import is a declared dependency: the types of @ledger/api
    // and @ledger/domain are inlined, not imported.
    for (const [file, code] of dist) {
      const imported = importedPackages(code);
      expect(imported.length, file).toBeGreaterThan(0);
      for (const name of imported) {
        expect(Object.keys(runtimeDeps), `${file} imports ${name}`).toContain(name);
      }
    }
    // The declarations offer exactly the values the JavaScript exports, no more.
    const values = exportedValues(dist.get('index.js') ?? '');
    expect(values).toEqual(expect.arrayContaining(['createLedgerClient', 'ledgerErrorOf']));
    expect(exportedValues(dist.get('index.d.ts') ?? '')).toEqual(values);
  });

  // Three type checks of the whole tRPC and zod declarations at once: slow on a busy machine.
  it('type-checks a correct call against the bundled declarations (NodeNext and Bundler, no DOM)', {
    timeout: 300_000,
  }, async () => {
    const [nodeNext, bundler, noShim] = await Promise.all([
      tsc('tsconfig.ok.json'),
      tsc('tsconfig.bundler.json'),
      tsc('tsconfig.noshim.json'),
    ]);
    expect(nodeNext.stdout + nodeNext.stderr).toBe('');
    expect(nodeNext.code).toBe(0);
    expect(bundler.stdout + bundler.stderr).toBe('');
    expect(bundler.code).toBe(0);
    // Without the shim, whatever fails is inside @trpc/client's own declarations: nothing in the
    // client's dist/ nor in the caller's code needs the DOM library.
    const outside = noShim.stdout
      .split('\n')
      .filter((line) => /^\S/.test(line) && !line.includes('node_modules/@trpc/client/'));
    expect(outside).toEqual([]);
    expect(noShim.stderr).toBe('');
  });

  it('refuses wrong calls with type errors that name the problem', async () => {
    const result = await tsc('tsconfig.bad.json');
    expect(result.code).not.toBe(0);
    const errors = diagnostics(result.stdout);
    expect(errors.map(({ file, line, code }) => ({ file, line, code }))).toEqual([
      { file: 'bad.ts', line: badLine(BAD_LINES.currency), code: 'TS2322' },
      { file: 'bad.ts', line: badLine(BAD_LINES.procedure), code: 'TS2551' },
      { file: 'bad.ts', line: badLine(BAD_LINES.output), code: 'TS2322' },
      { file: 'bad.ts', line: badLine(BAD_LINES.schema), code: 'TS2693' },
      { file: 'bad.ts', line: badLine(BAD_LINES.errorCode), code: 'TS2678' },
      { file: 'bad.ts', line: badLine(BAD_LINES.billingInput), code: 'TS2322' },
    ]);
    expect(errors[0]?.message).toContain("Type 'number' is not assignable to type 'string'");
    expect(errors[1]?.message).toMatch(
      /Property 'craete' does not exist .* Did you mean 'create'\?/,
    );
    expect(errors[2]?.message).toContain("Type 'number' is not assignable to type 'string'");
    expect(errors[3]?.message).toContain("'CreateCustomerInput' only refers to a type");
    // Compared with the union of the codes (`'"invalid_input" | …'`), not with `string`.
    expect(errors[4]?.message).toMatch(
      /^Type '"customer_not_fund"' is not comparable to type '"[a-z_]+" \| "[a-z_]+" \| /,
    );
    expect(errors[5]?.message).toContain(
      `Type '"weekly"' is not assignable to type '"monthly" | "yearly"'`,
    );
  });

  it('creates a customer on a live server from the compiled correct call', async () => {
    check(await tsc('tsconfig.build.json'), 'tsc (build ok.ts)');
    const result = await run(process.execPath, [path.join('build', 'ok.js')], {
      cwd: project,
      env: childEnv({ LEDGER_URL: t.url, LEDGER_API_KEY: t.keyA }),
    });
    check(result, 'node build/ok.js');
    const printed = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as {
      id: `cus_${string}`;
      email: string;
      amount: number;
      currency: string;
      createdAtIsDate: boolean;
      listed: string[];
      plan: { id: string; currency: string; createdAtIsDate: boolean };
      plans: string[];
      notFound: string | null;
    };
    expect(printed).toEqual({
      id: expect.stringMatching(/^cus_[0-9a-z]{26}$/),
      email: 'packed.client@example.com',
      amount: 0,
      currency: 'EUR',
      createdAtIsDate: true,
      listed: [printed.id],
      plan: {
        id: expect.stringMatching(/^plan_[0-9a-z]{26}$/),
        currency: 'USD',
        createdAtIsDate: true,
      },
      plans: [printed.plan.id],
      notFound: 'customer_not_found',
    });
    const stored = await t.client(t.keyA).customer.get.query({ id: printed.id });
    expect(stored).toMatchObject({
      id: printed.id,
      tenantId: 'tenant-a',
      name: 'Packed Client',
      email: 'packed.client@example.com',
      currency: 'EUR',
      status: 'active',
    });
  });
});
