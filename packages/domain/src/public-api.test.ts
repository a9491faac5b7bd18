import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import * as internal from './internal.js';

/**
 * `@ledger/domain` is a curated list: the verbs, their schemas and models, errors, ports and their
 * defaults, and the money/tax/FX/tax-id/id rules, each with JSDoc saying what it is for. The
 * helpers the verbs share stay out of it.
 */

const indexFile = fileURLToPath(new URL('./index.ts', import.meta.url));
const internalFile = fileURLToPath(new URL('./internal.ts', import.meta.url));

/** Every name an entry point exports (values and types) with whether each declaration has JSDoc. */
function exportedNames(files: readonly string[]): Map<string, Map<string, boolean>> {
  const program = ts.createProgram([...files], {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    resolveJsonModule: true,
    strict: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const result = new Map<string, Map<string, boolean>>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`cannot read the exports of ${file}`);
    const names = new Map<string, boolean>();
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declarations = symbol.declarations ?? [];
      const documented =
        declarations.length > 0 &&
        declarations.every((declaration) => {
          const node = ts.isVariableDeclaration(declaration)
            ? declaration.parent.parent
            : declaration;
          return ts.getJSDocCommentsAndTags(node).length > 0;
        });
      names.set(exported.name, documented);
    }
    result.set(file, names);
  }
  return result;
}

describe('the public API', () => {
  const exports = exportedNames([indexFile, internalFile]);
  const publicNames = exports.get(indexFile) ?? new Map<string, boolean>();

  it('offers the verbs, schemas, models, errors, ports, defaults and rules', () => {
    expect(Object.keys(api)).toEqual(
      expect.arrayContaining([
        'createCustomer',
        'getCustomer',
        'CreateCustomerInput',
        'runDue',
        'LedgerError',
        'ERROR_CODES',
        'isLedgerError',
        'getRate',
        'calculateTax',
        'convert',
        'checkTaxId',
        'verifyTaxIds',
        'idSchema',
        'newId',
        'formatMoney',
        'systemClock',
        'silentLogger',
        'builtInTax',
        'referenceFx',
        'offlineTaxIdVerifier',
      ]),
    );
    for (const type of ['Customer', 'ServiceContext', 'Store', 'Logger', 'ErrorCode', 'TaxRate']) {
      expect(publicNames.has(type), type).toBe(true);
    }
  });

  it('keeps the verbs’ helpers out, and offers the workspace’s few in /internal', () => {
    const helpers = [
      'settleStalePayment',
      'applyPaymentOutcome',
      'collectInvoice',
      'collectQuietly',
      'finalizeDraft',
      'applyBalance',
      'buildInvoice',
      'draftPeriodInvoice',
      'periodInvoice',
      'postBalance',
      'detachQuietly',
      'loadCustomer',
      'loadPlan',
      'recordCustomerEvent',
      'inTransaction',
      'saveSubscription',
      'billElapsed',
      'prepareUsage',
    ];
    for (const name of helpers) expect(publicNames.has(name), name).toBe(false);
    expect(Object.keys(internal)).toEqual(['finalizeDraft']);
  });

  it('documents every export', () => {
    const undocumented = [...exports]
      .flatMap(([file, names]) =>
        [...names]
          .filter(([, documented]) => !documented)
          .map(([name]) => `${path.basename(file)}: ${name}`),
      )
      .sort();
    expect(undocumented).toEqual([]);
  });
});
