import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The domain's modules form no import cycle, type-only imports included. A cycle makes the
 * evaluation order of ES modules depend on which file is imported first (a `const` read before
 * its module ran is a TDZ error), and the usual cause is a barrel that re-exports a verb being
 * imported by a model. Import from the defining file, never from a barrel.
 */

const srcDir = path.dirname(fileURLToPath(import.meta.url));

/** Every non-test TypeScript file under `dir`, as absolute paths. */
function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) files.push(full);
  }
  return files;
}

/** `code` without comments, so a specifier quoted in JSDoc is not taken for an import. */
const withoutComments = (code: string) =>
  code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

/** The relative specifiers of static imports, re-exports and dynamic imports in `code`. */
function relativeSpecifiers(code: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  return [...withoutComments(code).matchAll(pattern)].map((match) => match[1] ?? '');
}

/** The source file a relative specifier names (`./a.js` is `./a.ts`), or null (JSON, assets). */
function resolveSpecifier(from: string, specifier: string): string | null {
  const target = path.resolve(path.dirname(from), specifier);
  const candidates = [
    target.replace(/\.js$/, '.ts'),
    `${target}.ts`,
    path.join(target.replace(/\.js$/, ''), 'index.ts'),
  ];
  return candidates.find((candidate) => candidate.endsWith('.ts') && existsSync(candidate)) ?? null;
}

/** The import graph of `files`: each file's direct dependencies inside the set. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const deps = relativeSpecifiers(readFileSync(file, 'utf8'))
      .map((specifier) => resolveSpecifier(file, specifier))
      .filter((dep): dep is string => dep !== null && known.has(dep));
    graph.set(file, [...new Set(deps)].sort());
  }
  return graph;
}

/** The cycle each back edge of a depth-first walk closes (none: the graph is acyclic). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'visiting');
    stack.push(file);
    for (const dep of graph.get(file) ?? []) {
      const seen = state.get(dep);
      if (seen === 'visiting') cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      else if (seen === undefined) visit(dep);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

const relative = (file: string) => path.relative(srcDir, file).split(path.sep).join('/');

describe('the domain import graph', () => {
  const graph = importGraph(sourceFiles(srcDir));

  it('reads the real graph (the public index reaches the verbs)', () => {
    expect(graph.size).toBeGreaterThan(50);
    const index = graph.get(path.join(srcDir, 'index.ts')) ?? [];
    expect(index.map(relative)).toContain('customer/create-customer.ts');
  });

  it('has no cycle', () => {
    const cycles = findCycles(graph).map((cycle) => cycle.map(relative).join(' -> '));
    expect(cycles).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const a = path.join(srcDir, 'a.ts');
    const b = path.join(srcDir, 'b.ts');
    const c = path.join(srcDir, 'c.ts');
    const cyclic = new Map([
      [a, [b]],
      [b, [c]],
      [c, [a]],
    ]);
    expect(findCycles(cyclic).map((cycle) => cycle.map(relative))).toEqual([
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
    ]);
    expect(
      relativeSpecifiers(`import type { X } from './x.js';\nexport * from "../y.js";`),
    ).toEqual(['./x.js', '../y.js']);
  });
});
