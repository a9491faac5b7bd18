/** How much of a response body a delivery attempt keeps: enough to show why a receiver said no. */
export const EXCERPT_BYTES = 1024;

/**
 * Collects the first `EXCERPT_BYTES` bytes of a response body and counts the rest without
 * keeping it, so an endpoint answering with a huge body costs memory for 1 KiB only.
 */
export class ExcerptCollector {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Every byte seen, kept or not. */
  total = 0;

  /** Takes one chunk of the body. */
  push(chunk: Buffer): void {
    this.total += chunk.length;
    const room = EXCERPT_BYTES - this.kept;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(Buffer.from(part));
    this.kept += part.length;
  }

  /** Whether the excerpt has all it will keep. */
  get full(): boolean {
    return this.kept >= EXCERPT_BYTES;
  }

  /**
   * The excerpt as text: UTF-8, never more than `EXCERPT_BYTES` bytes once re-encoded. A
   * character the cut split in two is left out rather than shown as a replacement character,
   * and undecodable bytes (which decode to 3-byte U+FFFD) cannot push it over the bound.
   */
  text(): string {
    const bytes = Buffer.concat(this.chunks, this.kept);
    const cut = this.total > this.kept;
    // `stream: true` holds back an incomplete trailing sequence instead of replacing it.
    const decoded = new TextDecoder('utf-8').decode(bytes, { stream: cut });
    if (Buffer.byteLength(decoded) <= EXCERPT_BYTES) return decoded;
    let length = 0;
    let end = 0;
    for (const char of decoded) {
      const size = Buffer.byteLength(char);
      if (length + size > EXCERPT_BYTES) break;
      length += size;
      end += char.length;
    }
    return decoded.slice(0, end);
  }
}
