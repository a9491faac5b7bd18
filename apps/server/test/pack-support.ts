import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/**
 * What the tests that work outside the workspace share: child processes, pnpm, `pnpm pack` and
 * the reading of its tarball, and a consumer project that installs a tarball offline and is
 * type-checked with the workspace's tsc. The pack tests (packages/client, packages/domain) and
 * the OpenAPI consumer test use them; one copy, so a fix to how pnpm is found or how the offline
 * install falls back is made once.
 */

/** The repository root: where pnpm is asked for its version and store, and tsc is installed. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The workspace's tsc, run with node, so a consumer project needs no TypeScript of its own. */
export const tscBin = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

/** How a child process ended: `code` is -1 when it did not start or was killed by a signal. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of child processes: ours without the npm/pnpm script variables (a pnpm or
 * node started by a test must not think it runs inside `pnpm test`'s script), corepack never
 * prompting to download, and `extra`.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(name)) env[name] = value;
  }
  return { ...env, COREPACK_ENABLE_DOWNLOAD_PROMPT: '0', ...extra };
}

/**
 * Runs a command without blocking the event loop (a server under test may live in this process)
 * and resolves with how it ended, never rejecting: the test decides what a failure means.
 * `env` defaults to `childEnv()`; `timeout` (ms) kills a hung command, 0 (the default) never.
 */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? childEnv(),
        maxBuffer: 32 * 1024 * 1024,
        timeout: options.timeout ?? 0,
      },
      (error, stdout, stderr) => {
        if (!error) resolve({ code: 0, stdout, stderr });
        else if (typeof error.code === 'number') resolve({ code: error.code, stdout, stderr });
        // Not started (ENOENT) or killed by a signal: no exit code, the reason is in the message.
        else resolve({ code: -1, stdout, stderr: `${stderr}${error.message}` });
      },
    );
  });
}

/** Fails with the command's output when it did not exit 0: for the steps that set a test up. */
export function check(result: RunResult, what: string): RunResult {
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/**
 * How to call pnpm here: the pnpm running this test (`npm_execpath` under `pnpm test`), else
 * `pnpm` on PATH, else corepack's. Each is tried with `--version` from the repository root, so
 * corepack picks the version pinned by `packageManager`. The result is a command and its first
 * arguments, for `pnpmRun`.
 */
export async function findPnpm(): Promise<string[]> {
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

/** Runs the pnpm that `findPnpm` found with `args` in `cwd`. */
export function pnpmRun(pnpm: string[], args: string[], cwd: string): Promise<RunResult> {
  const [command, ...prefix] = pnpm as [string, ...string[]];
  return run(command, [...prefix, ...args], { cwd });
}

/**
 * Runs the workspace's tsc on the project file `config` in `cwd`, with plain output (one
 * diagnostic a line, as `diagnostics` reads them).
 */
export function tscProject(cwd: string, config: string): Promise<RunResult> {
  return run(process.execPath, [tscBin, '--project', config, '--pretty', 'false'], { cwd });
}

/** The regular files of a .tgz by name (ustar: name at 0, size at 124, type at 156, prefix at 345). */
export function untar(gzipped: Buffer): Map<string, Buffer> {
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

/**
 * `pnpm pack` of the package in `packageDir` into a new `pack` folder under `tmp`: the tarball a
 * registry would serve. Returns that folder and the names of the .tgz files in it; that there is
 * exactly one is the caller's assertion.
 */
export async function packInto(
  pnpm: string[],
  packageDir: string,
  tmp: string,
): Promise<{ packDir: string; packed: string[] }> {
  const packDir = path.join(tmp, 'pack');
  await mkdir(packDir);
  check(await pnpmRun(pnpm, ['pack', '--pack-destination', packDir], packageDir), 'pnpm pack');
  const packed = (await readdir(packDir)).filter((name) => name.endsWith('.tgz'));
  return { packDir, packed };
}

/** What the pack tests read from a packed package.json. */
export interface PackedManifest {
  license?: string;
  private?: boolean;
  types?: string;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports: Record<string, unknown>;
}

/**
 * A tarball as the tests read it: its regular files by name, their names sorted, and its
 * package.json (which must be there: without it the tarball is no package).
 */
export async function readPacked(
  tarball: string,
): Promise<{ contents: Map<string, Buffer>; files: string[]; manifest: PackedManifest }> {
  const contents = untar(await readFile(tarball));
  const files = [...contents.keys()].sort();
  const packedJson = contents.get('package/package.json');
  if (!packedJson) throw new Error(`the tarball has no package/package.json: ${files.join(', ')}`);
  const manifest = JSON.parse(packedJson.toString('utf8')) as PackedManifest;
  return { contents, files, manifest };
}

/**
 * The version and real directory of a package as installed in the workspace at `from`: what a
 * consumer project pins, or links to when it cannot resolve offline.
 */
export async function workspaceCopy(name: string, from: string) {
  const dir = await realpath(path.join(from, 'node_modules', name));
  const { version } = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { dir, version };
}

/** Writes `files` (name to text) into `dir`: the sources and configs of a project a test makes. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await writeFile(path.join(dir, name), text);
  }
}

/**
 * A strict Node.js project without the DOM library that checks the libraries' declarations too
 * (skipLibCheck off), as a user's would. `types: ['node']` is what such a project has.
 */
export const NODE_COMPILER_OPTIONS = {
  strict: true,
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  lib: ['ES2022'],
  types: ['node'],
  noEmit: true,
  skipLibCheck: false,
  noUncheckedIndexedAccess: true,
};

/** A consumer project for `installConsumer`. */
export interface ConsumerProject {
  /** Its package.json name. */
  name: string;
  /** Its other files (sources, tsconfigs) by name. */
  files: Record<string, string>;
  /** Its dependencies: the tarball as `file:<path>`, and what is installed next to it. */
  dependencies: Record<string, string>;
  /** devDependencies of the first install besides the workspace's @types/node, always one. */
  devDependencies?: Record<string, string>;
  /**
   * For the retry without registry metadata: `link:` overrides that point the package's declared
   * dependencies at the workspace's installed copies. Whether those copies are versions the
   * package accepts is the caller's assertion, made in this callback.
   */
  linkDeclared: () => Promise<Record<string, string>>;
}

/**
 * Makes a consumer project in `<tmp>/consumer` (outside the workspace, so pnpm resolves it alone)
 * and installs it offline from the workspace's pnpm store, as a user installs the published
 * package: pnpm pinned to the workspace's (so corepack never looks for another), no workspace, a
 * lockfile of its own. Returns the project's folder; fails when the install does.
 */
export async function installConsumer(
  pnpm: string[],
  tmp: string,
  project: ConsumerProject,
): Promise<string> {
  const dir = path.join(tmp, 'consumer');
  const root = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
    packageManager?: string;
  };
  const nodeTypes = await workspaceCopy('@types/node', repoRoot);
  const storeDir = check(await pnpmRun(pnpm, ['store', 'path'], repoRoot), 'pnpm store path')
    .stdout.trim()
    .split('\n')
    .at(-1);

  await mkdir(dir);
  const writeManifest = (extra: Record<string, unknown>) =>
    writeFile(
      path.join(dir, 'package.json'),
      `${JSON.stringify(
        {
          name: project.name,
          private: true,
          type: 'module',
          ...(root.packageManager ? { packageManager: root.packageManager } : {}),
          dependencies: project.dependencies,
          ...extra,
        },
        null,
        2,
      )}\n`,
    );
  await writeFiles(dir, project.files);

  const install = () =>
    pnpmRun(
      pnpm,
      [
        'install',
        '--offline',
        '--ignore-workspace',
        '--no-frozen-lockfile',
        ...(storeDir ? ['--store-dir', storeDir] : []),
      ],
      dir,
    );
  await writeManifest({
    devDependencies: { ...project.devDependencies, '@types/node': nodeTypes.version },
  });
  let installed = await install();
  if (/ERR_PNPM_NO_OFFLINE_(META|TARBALL)/.test(installed.stdout + installed.stderr)) {
    // Resolving a new project offline needs the registry metadata in pnpm's cache, which a
    // machine that only ran `pnpm install --frozen-lockfile` lacks (the store has the
    // tarballs). Still without network: the package's declared dependencies are pointed at the
    // workspace's installed copies; pnpm still installs the tarball and gives it exactly the
    // dependencies its package.json names.
    const overrides = { ...(await project.linkDeclared()), '@types/node': `link:${nodeTypes.dir}` };
    await rm(path.join(dir, 'node_modules'), { recursive: true, force: true });
    await rm(path.join(dir, 'pnpm-lock.yaml'), { force: true });
    await writeManifest({
      devDependencies: { '@types/node': nodeTypes.version },
      pnpm: { overrides },
    });
    installed = await install();
  }
  check(installed, 'pnpm install --offline');
  return dir;
}

/**
 * `code` without its comments, block and line (JSDoc may quote code that is not code): what the
 * scans of built files for imports and exports read.
 */
export const withoutComments = (code: string) =>
  code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

/** The package names that bare import specifiers in `code` refer to. */
export function importedPackages(code: string): string[] {
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

/** `file.ts(line,col): error TSnnnn: message` lines of a tsc run, for asserting on type errors. */
export function diagnostics(output: string) {
  return [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)].map((m) => ({
    file: m[1] ?? '',
    line: Number(m[2]),
    code: m[3] ?? '',
    message: m[4] ?? '',
  }));
}
