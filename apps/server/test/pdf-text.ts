/**
 * The text of a PDF as pdfjs extracts it: what a reader (or a screen reader) gets from the
 * bytes. pdfjs-dist 6 targets Node 22.13+, where `Promise.withResolvers` exists; on the Node 20
 * this repository still supports (`engines: >=20.11`) it is added here, to the standard's
 * definition, before pdfjs loads. Nothing of Ledger's own is stood in for.
 */

type Resolvers<T> = {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
};

function withResolvers<T>(): Resolvers<T> {
  let resolve!: Resolvers<T>['resolve'];
  let reject!: Resolvers<T>['reject'];
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

const PromiseWith = Promise as unknown as { withResolvers?: typeof withResolvers };
PromiseWith.withResolvers ??= withResolvers;

/** Every page's text, items joined by spaces, each whitespace run (no-break spaces too) as one. */
export async function pdfText(bytes: Uint8Array): Promise<string> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = getDocument({ data: new Uint8Array(bytes), verbosity: 0 });
  try {
    const pdf = await task.promise;
    const pages: string[] = [];
    for (let number = 1; number <= pdf.numPages; number++) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
    }
    return pages.join(' ').replace(/\s+/g, ' ');
  } finally {
    await task.destroy();
  }
}
