import {
  type Address,
  type BusinessDetails,
  type DocumentCustomer,
  formatMoney,
  type Money,
} from '@ledger/domain';

/** A4 in points, with the margin every page keeps. */
const PAGE_HEIGHT = 841.89;
const MARGIN = 50;
const LEFT = MARGIN;
const RIGHT = 595.28 - MARGIN;
const BOTTOM = PAGE_HEIGHT - MARGIN;
const WIDTH = RIGHT - LEFT;
const MUTED = '#555555';
const RULE = '#cccccc';

/**
 * Code points the standard PDF fonts can draw (WinAnsi): Latin-1 plus the few extras Windows-1252
 * puts in 0x80–0x9F (€, dashes, quotes, Œ, Š, Ž, ™ …). The built-in Helvetica draws nothing else,
 * so anything outside is replaced rather than written as a broken glyph.
 */
const WIN_ANSI_EXTRAS = new Set([
  0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0x017d, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x017e, 0x0178,
]);

function drawable(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (
    (code >= 0x20 && code < 0x7f) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.has(code)
  );
}

/** Text the standard fonts can draw: composed accents kept, anything else shown as `?`. */
export function drawableText(text: string): string {
  return Array.from(text.normalize('NFC'), (char) => (drawable(char) ? char : '?')).join('');
}

/**
 * Money as the domain formats it (`Intl.NumberFormat` for the currency, exact): "$49.99",
 * "€46.99". A symbol the standard fonts cannot draw (₹, ₩ …) is replaced by the ISO code.
 */
export function moneyText(money: Money): string {
  const formatted = formatMoney(money);
  if (Array.from(formatted).every(drawable)) return formatted;
  return Array.from(formatted, (char) => (drawable(char) ? char : ' '))
    .join('')
    .replace(/^\s+/, `${money.currency} `)
    .replace(/\s+/g, ' ')
    .trim();
}

const DATE = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' });

/** A calendar date in UTC ("March 2, 2026"): the same on every server, whatever its zone. */
export function dateText(date: Date): string {
  return DATE.format(date);
}

/**
 * The lines of a billing address, country last (as an ISO code). With a state the locality reads
 * "Sacramento, CA 95814"; without one, postal code first, as most of Europe writes it ("75001 Paris").
 */
export function addressLines(address: Address | null): string[] {
  if (!address) return [];
  const { city, state, postalCode } = address;
  const join = (parts: Array<string | undefined>, separator: string) =>
    parts.filter((part) => part !== undefined && part !== '').join(separator);
  const locality = state
    ? join([city, join([state, postalCode], ' ')], ', ')
    : join([postalCode, city], ' ');
  return [address.line1, address.line2, locality, address.country].filter(
    (line): line is string => line !== undefined && line !== '',
  );
}

/** A tax id as it is usually printed: scheme then value ("EU VAT FR40303265045"). */
export function taxIdText(taxId: DocumentCustomer['taxIds'][number]): string {
  return `${taxId.type.toUpperCase().replace('_', ' ')} ${taxId.value}`;
}

/** What a document's PDF metadata says; the date makes the same document give the same bytes. */
export interface SheetInfo {
  title: string;
  subject: string;
  author: string;
  date: Date;
}

/**
 * One PDF being written top to bottom: a cursor that moves down, starting a new page when the
 * next block would not fit. Fonts are the standard Helvetica family (no font file, nothing
 * fetched). The creation date comes from the document, and pdfkit derives the file id from the
 * metadata, so rendering the same document again gives the same bytes.
 */
export class Sheet {
  private readonly doc: PDFKit.PDFDocument;
  private readonly chunks: Uint8Array[] = [];
  private readonly ended: Promise<void>;
  private y = MARGIN;

  /**
   * A new sheet. pdfkit loads with the first one (~120 ms, so not at every start of the server
   * for the few requests that draw a PDF).
   */
  static async open(info: SheetInfo): Promise<Sheet> {
    const { default: PDFDocument } = await import('pdfkit');
    return new Sheet(info, PDFDocument);
  }

  private constructor(info: SheetInfo, PDFDocument: typeof import('pdfkit')) {
    this.doc = new PDFDocument({
      size: 'A4',
      margin: MARGIN,
      lang: 'en',
      displayTitle: true,
      info: {
        Title: drawableText(info.title),
        Subject: drawableText(info.subject),
        Author: drawableText(info.author),
        Creator: 'Ledger',
        Producer: 'Ledger',
        CreationDate: info.date,
        ModDate: info.date,
      },
    });
    this.ended = new Promise((resolve, reject) => {
      this.doc.on('data', (chunk: Uint8Array) => this.chunks.push(chunk));
      this.doc.on('end', () => resolve());
      this.doc.on('error', reject);
    });
  }

  /** Moves the cursor down by `points`. */
  gap(points: number): void {
    this.y += points;
  }

  /** Starts a new page unless `height` more points fit on this one. */
  private room(height: number): void {
    if (this.y + height <= BOTTOM) return;
    this.doc.addPage();
    this.y = MARGIN;
  }

  private style(size: number, bold: boolean, color = '#000000'): void {
    this.doc
      .font(bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(size)
      .fillColor(color);
  }

  /** The document's title row: the issuer on the left, the kind of document on the right. */
  header(business: BusinessDetails, kind: string): void {
    this.style(18, true);
    const name = drawableText(business.name);
    const height = this.doc.heightOfString(name, { width: WIDTH * 0.6 });
    this.doc.text(name, LEFT, this.y, { width: WIDTH * 0.6 });
    this.style(18, false, MUTED);
    this.doc.text(kind, LEFT + WIDTH * 0.6, this.y, { width: WIDTH * 0.4, align: 'right' });
    this.y += height + 2;
    if (business.supportEmail) this.paragraph(business.supportEmail, { size: 9, muted: true });
    this.gap(14);
  }

  /** A block of text across the page (wrapping), optionally small, bold or grey. */
  paragraph(text: string, options: { size?: number; bold?: boolean; muted?: boolean } = {}): void {
    this.style(options.size ?? 10, options.bold ?? false, options.muted ? MUTED : '#000000');
    const value = drawableText(text);
    const height = this.doc.heightOfString(value, { width: WIDTH });
    this.room(height);
    this.doc.text(value, LEFT, this.y, { width: WIDTH });
    this.y += height + 2;
  }

  /**
   * Two columns side by side: on the left a titled block of lines (who is billed), on the right
   * label–value pairs (number, dates). The cursor ends below the taller one.
   */
  columns(title: string, lines: readonly string[], pairs: ReadonlyArray<[string, string]>): void {
    const top = this.y;
    const half = WIDTH / 2;
    this.style(9, true, MUTED);
    this.doc.text(title.toUpperCase(), LEFT, top, { width: half - 10 });
    let left = top + 14;
    for (const [index, line] of lines.entries()) {
      this.style(10, index === 0);
      const value = drawableText(line);
      this.doc.text(value, LEFT, left, { width: half - 10 });
      left += this.doc.heightOfString(value, { width: half - 10 }) + 1;
    }
    let right = top;
    for (const [label, value] of pairs) {
      this.style(10, false, MUTED);
      this.doc.text(label, LEFT + half, right, { width: half * 0.45 });
      this.style(10, true);
      const text = drawableText(value);
      this.doc.text(text, LEFT + half * 1.45, right, { width: half * 0.55, align: 'right' });
      right += Math.max(14, this.doc.heightOfString(text, { width: half * 0.55 }) + 2);
    }
    this.y = Math.max(left, right) + 16;
  }

  /** A thin horizontal rule across the page. */
  rule(): void {
    this.room(8);
    this.doc.moveTo(LEFT, this.y).lineTo(RIGHT, this.y).lineWidth(0.5).strokeColor(RULE).stroke();
    this.y += 8;
  }

  /** The head row of the lines table. */
  tableHead(columns: readonly [string, string, string]): void {
    this.room(30);
    this.style(9, true, MUTED);
    const [description, quantity, amount] = columns;
    this.doc.text(description.toUpperCase(), LEFT, this.y, { width: WIDTH * 0.6 });
    this.doc.text(quantity.toUpperCase(), LEFT + WIDTH * 0.6, this.y, {
      width: WIDTH * 0.15,
      align: 'right',
    });
    this.doc.text(amount.toUpperCase(), LEFT + WIDTH * 0.75, this.y, {
      width: WIDTH * 0.25,
      align: 'right',
    });
    this.y += 14;
    this.rule();
  }

  /**
   * One row of the lines table: description (wrapping), quantity and amount, then a grey note
   * under the description (the line's period). Drawn in reading order, so text extraction reads
   * "description quantity amount".
   */
  tableRow(description: string, quantity: string, amount: string, note?: string): void {
    const text = drawableText(description);
    this.style(10, false);
    const height = this.doc.heightOfString(text, { width: WIDTH * 0.6 - 8 });
    this.style(8, false);
    const noteHeight = note ? this.doc.heightOfString(note, { width: WIDTH * 0.6 - 8 }) + 2 : 0;
    this.room(height + noteHeight + 8);
    const top = this.y;
    this.style(10, false);
    this.doc.text(text, LEFT, top, { width: WIDTH * 0.6 - 8 });
    this.doc.text(quantity, LEFT + WIDTH * 0.6, top, { width: WIDTH * 0.15, align: 'right' });
    this.doc.text(amount, LEFT + WIDTH * 0.75, top, { width: WIDTH * 0.25, align: 'right' });
    if (note) {
      this.style(8, false, MUTED);
      this.doc.text(drawableText(note), LEFT, top + height + 2, { width: WIDTH * 0.6 - 8 });
    }
    this.y = top + height + noteHeight + 8;
  }

  /** A label and its amount, right-aligned under the table (subtotal, tax, total …). */
  total(label: string, amount: string, options: { bold?: boolean } = {}): void {
    const bold = options.bold ?? false;
    this.style(bold ? 11 : 10, bold);
    const text = drawableText(label);
    const height = this.doc.heightOfString(text, { width: WIDTH * 0.35 });
    this.room(height + 6);
    const top = this.y;
    this.doc.text(text, LEFT + WIDTH * 0.4, top, { width: WIDTH * 0.35 });
    this.doc.text(amount, LEFT + WIDTH * 0.75, top, { width: WIDTH * 0.25, align: 'right' });
    this.y = top + height + 6;
  }

  /** Ends the document and gives its bytes. */
  async finish(): Promise<Uint8Array> {
    this.doc.end();
    await this.ended;
    const size = this.chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of this.chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return bytes;
  }
}
