import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';

/**
 * The published package as a user gets it: `pnpm pack` of packages/client, installed offline
 * into a project outside the workspace, type-checked there with the bundled declarations
 * (skipLibCheck off) and run against a live server.
 */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const clientDir = path.join(repoRoot, 'packages', 'client');
const tscBin = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of child processes: ours without the npm/pnpm script variables. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(name)) env[name] = value;
  }
  return { ...env, COREPACK_ENABLE_DOWNLOAD_PROMPT: '0', ...extra };
}

/** Runs a command without blocking the event loop (the server under test lives in this process). */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? childEnv(), maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) resolve({ code: 0, stdout, stderr });
        else if (typeof error.code === 'number') resolve({ code: error.code, stdout, stderr });
        // Not started (ENOENT) or killed by a signal: no exit code, the reason is in the message.
        else resolve({ code: -1, stdout, stderr: `${stderr}${error.message}` });
      },
    );
  });
}

/** Fails with the command's output when it did not exit 0. */
function check(result: RunResult, what: string): RunResult {
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/**
 * How to call pnpm here: the pnpm running this test (`npm_execpath` under `pnpm test`), else
 * `pnpm` on PATH, else corepack's. Each is tried with `--version` from the repository root, so
 * corepack picks the version pinned by `packageManager`.
 */
async function findPnpm(): Promise<string[]> {
  const candidates: string[][] = [];
  const execPath = process.env.npm_execpath;
  if (execPath && /^pnpm(\.c?js)?$/.test(path.basename(execPath))) {
    candidates.push(/\.c?js$/.test(execPath) ? [process.execPath, execPath] : [execPath]);
  }
  candidates.push(['pnpm'], ['corepack', 'pnpm']);
  const tried: string[] = [];
  for (const candidate of candidates) {
    const [command, ...prefix] = candidate as [string, ...string[]];
    const result = await run(command, [...prefix, '--version'], { cwd: repoRoot });
    if (result.code === 0 && /^\d+\.\d+/.test(result.stdout.trim())) return candidate;
    tried.push(`${candidate.join(' ')}: ${result.stderr.trim().split('\n').at(-1) ?? ''}`);
  }
  throw new Error(`pnpm was not found:\n${tried.join('\n')}`);
}

/** The regular files of a .tgz by name (ustar: name at 0, size at 124, type at 156, prefix at 345). */
function untar(gzipped: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(gzipped);
  const files = new Map<string, Buffer>();
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .split('\0')[0] ?? '';
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const name = field(0, 100);
    const prefix = field(345, 155);
    const type = field(156, 1);
    if (type === '0' || type === '') {
      files.set(
        prefix ? `${prefix}/${name}` : name,
        tar.subarray(offset + 512, offset + 512 + size),
      );
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** What the test reads from the packed package.json. */
interface PackedManifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports: Record<string, unknown>;
}

/** `code` without its block comments (JSDoc may quote code that is not code). */
const withoutComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '');

/** The package names that bare import specifiers in `code` refer to. */
function importedPackages(code: string): string[] {
  const names = new Set<string>();
  const specifiers = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;
  for (const match of withoutComments(code).matchAll(specifiers)) {
    const specifier = match[1] ?? '';
    if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier));
  }
  return [...names].sort();
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

/** `file.ts(line,col): error TSnnnn: message` lines of a tsc run. */
function diagnostics(output: string) {
  return [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)].map((m) => ({
    file: m[1] ?? '',
    line: Number(m[2]),
    code: m[3] ?? '',
    message: m[4] ?? '',
  }));
}

const UNKNOWN_ID = 'cus_01h455vb4pex5vsknk084sn02q';

/** A correct use of the client: creates a customer, lists it, reads a Ledger error code. */
const OK_SOURCE = `import {
  type Customer,
  createLedgerClient,
  ledgerErrorOf,
  type RouterOutputs,
} from '@ledger/client';

declare const process: { env: Record<string, string | undefined> };

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
  email: customer.email,
});
let notFound: string | null = null;
try {
  await client.customer.get.query({ id: '${UNKNOWN_ID}' });
} catch (error) {
  notFound = ledgerErrorOf(error)?.code ?? null;
}
console.log(
  JSON.stringify({
    id: customer.id,
    email: customer.email,
    amount,
    currency,
    createdAtIsDate: createdAt instanceof Date,
    listed: page.data.map((c) => c.id),
    notFound,
  }),
);
`;

/** Wrong uses, one a line, each a type error: bad input, bad procedure, bad output, a type as a value. */
const BAD_LINES = {
  currency: `await client.customer.create.mutate({ name: 'B', email: 'b@example.com', currency: 123 });`,
  procedure: `await client.customer.craete.mutate({ name: 'B', email: 'b@example.com', currency: 'USD' });`,
  output: `const amount: string = (await client.customer.get.query({ id: '${UNKNOWN_ID}' })).balance.amount;`,
  // A type that shares its name with a zod schema in @ledger/domain is a type here, not a value.
  schema: `CreateCustomerInput.parse({ name: 'B', email: 'b@example.com', currency: 'USD' });`,
};
const BAD_SOURCE = [
  `import { CreateCustomerInput, createLedgerClient } from '@ledger/client';`,
  `const client = createLedgerClient({ url: 'http://127.0.0.1:9', apiKey: 'key' });`,
  BAD_LINES.currency,
  BAD_LINES.procedure,
  BAD_LINES.output,
  BAD_LINES.schema,
  `export { amount };`,
  '',
].join('\n');
const badLine = (line: string) => BAD_SOURCE.split('\n').indexOf(line) + 1;

const COMPILER_OPTIONS = {
  strict: true,
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  // @trpc/server's own declarations use Disposable: with skipLibCheck off they need this lib.
  lib: ['ES2023', 'ESNext.Disposable', 'DOM'],
  types: [],
  noEmit: true,
  skipLibCheck: false,
  noUncheckedIndexedAccess: true,
};

describe('the packed @ledger/client', { timeout: 180_000 }, () => {
  let tmp: string;
  let project: string;
  let tarball: string;
  let files: string[];
  let manifest: PackedManifest;
  const dist = new Map<string, string>();
  let pnpm: string[];
  let t: TestLedger;

  const pnpmRun = (args: string[], cwd: string) => {
    const [command, ...prefix] = pnpm as [string, ...string[]];
    return run(command, [...prefix, ...args], { cwd });
  };
  const tsc = (config: string) =>
    run(process.execPath, [tscBin, '--project', config, '--pretty', 'false'], { cwd: project });

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ledger-client-pack-'));
    pnpm = await findPnpm();
    if (!existsSync(path.join(clientDir, 'dist', 'index.d.ts'))) {
      check(await pnpmRun(['--filter', '@ledger/client...', 'build'], repoRoot), 'build');
    }

    const packDir = path.join(tmp, 'pack');
    await mkdir(packDir);
    check(await pnpmRun(['pack', '--pack-destination', packDir], clientDir), 'pnpm pack');
    const packed = (await readdir(packDir)).filter((name) => name.endsWith('.tgz'));
    expect(packed).toHaveLength(1);
    tarball = path.join(packDir, packed[0] ?? '');

    const contents = untar(await readFile(tarball));
    files = [...contents.keys()].sort();
    const packedJson = contents.get('package/package.json');
    if (!packedJson)
      throw new Error(`the tarball has no package/package.json: ${files.join(', ')}`);
    manifest = JSON.parse(packedJson.toString('utf8')) as PackedManifest;
    for (const name of ['index.js', 'index.d.ts']) {
      dist.set(name, contents.get(`package/dist/${name}`)?.toString('utf8') ?? '');
    }

    // The consumer pins the workspace's pnpm (so corepack never looks for another) and its
    // TypeScript (the peer of @trpc/*), both already in the store.
    const root = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
      packageManager?: string;
    };
    const typescript = JSON.parse(
      await readFile(path.join(repoRoot, 'node_modules', 'typescript', 'package.json'), 'utf8'),
    ) as { version: string };
    const storeDir = check(await pnpmRun(['store', 'path'], repoRoot), 'pnpm store path')
      .stdout.trim()
      .split('\n')
      .at(-1);

    project = path.join(tmp, 'consumer');
    await mkdir(project);
    const writeManifest = (extra: Record<string, unknown>) =>
      writeFile(
        path.join(project, 'package.json'),
        `${JSON.stringify(
          {
            name: 'ledger-client-consumer',
            private: true,
            type: 'module',
            ...(root.packageManager ? { packageManager: root.packageManager } : {}),
            dependencies: { '@ledger/client': `file:${tarball}` },
            ...extra,
          },
          null,
          2,
        )}\n`,
      );
    const sources: Record<string, string> = {
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
    };
    for (const [name, text] of Object.entries(sources)) {
      await writeFile(path.join(project, name), text);
    }

    const install = () =>
      pnpmRun(
        [
          'install',
          '--offline',
          '--ignore-workspace',
          '--no-frozen-lockfile',
          ...(storeDir ? ['--store-dir', storeDir] : []),
        ],
        project,
      );
    await writeManifest({ devDependencies: { typescript: typescript.version } });
    let installed = await install();
    if (/ERR_PNPM_NO_OFFLINE_(META|TARBALL)/.test(installed.stdout + installed.stderr)) {
      // Resolving a new project offline needs the registry metadata in pnpm's cache, which a
      // machine that only ran `pnpm install --frozen-lockfile` lacks (the store has the
      // tarballs). Still without network: the client's declared dependencies are pointed at the
      // workspace's installed copies of the very versions it declares; pnpm still installs the
      // tarball and gives it exactly the dependencies its package.json names.
      const overrides: Record<string, string> = {};
      for (const [name, spec] of Object.entries(manifest.dependencies ?? {})) {
        const copy = await realpath(path.join(clientDir, 'node_modules', name));
        const { version } = JSON.parse(await readFile(path.join(copy, 'package.json'), 'utf8')) as {
          version: string;
        };
        if (/^\d+\.\d+\.\d+/.test(spec)) expect(version, name).toBe(spec);
        overrides[name] = `link:${copy}`;
      }
      await rm(path.join(project, 'node_modules'), { recursive: true, force: true });
      await rm(path.join(project, 'pnpm-lock.yaml'), { force: true });
      await writeManifest({ pnpm: { overrides } });
      installed = await install();
    }
    check(installed, 'pnpm install --offline');
    t = await startTestLedger('pglite');
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('contains only dist/ and package.json, and depends on no workspace package', async () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package/dist/index.d.ts',
        'package/dist/index.js',
        'package/package.json',
      ]),
    );
    for (const file of files) {
      expect(file).toMatch(/^package\/(dist\/[^/].*|package\.json|README(\.md)?|LICENSE(\.md)?)$/i);
    }
    expect(files.some((file) => /(^|\/)(src|test)\//.test(file))).toBe(false);

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

  it('type-checks a correct call against the bundled declarations (NodeNext and Bundler)', async () => {
    const [nodeNext, bundler] = await Promise.all([
      tsc('tsconfig.ok.json'),
      tsc('tsconfig.bundler.json'),
    ]);
    expect(nodeNext.stdout + nodeNext.stderr).toBe('');
    expect(nodeNext.code).toBe(0);
    expect(bundler.stdout + bundler.stderr).toBe('');
    expect(bundler.code).toBe(0);
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
    ]);
    expect(errors[0]?.message).toContain("Type 'number' is not assignable to type 'string'");
    expect(errors[1]?.message).toMatch(
      /Property 'craete' does not exist .* Did you mean 'create'\?/,
    );
    expect(errors[2]?.message).toContain("Type 'number' is not assignable to type 'string'");
    expect(errors[3]?.message).toContain("'CreateCustomerInput' only refers to a type");
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
      notFound: string | null;
    };
    expect(printed).toEqual({
      id: expect.stringMatching(/^cus_[0-9a-z]{26}$/),
      email: 'packed.client@example.com',
      amount: 0,
      currency: 'EUR',
      createdAtIsDate: true,
      listed: [printed.id],
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
