/**
 * Bounded capture of a shell command's output: the last bytes of each stream ({@link TailBuffer})
 * and a line splitter for `::metric` lines as they stream ({@link LineSplitter}). Memory stays
 * bounded however much a command prints.
 */
import { StringDecoder } from 'node:string_decoder';

/** Bytes of stdout and of stderr kept in the result and in failure details (the last ones). */
export const OUTPUT_TAIL_BYTES = 64 * 1024;

/**
 * Bytes of each stream that `metrics:` regex rules see (the last ones). Larger than the reported
 * tail so a figure printed a little before a long log tail is still found; `::metric` lines are
 * parsed as they stream and see the whole output.
 */
export const METRIC_WINDOW_BYTES = 1024 * 1024;

// Longest partial line kept while looking for `::metric` lines; longer lines cannot be metrics.
const MAX_LINE_CHARS = 64 * 1024;

/**
 * Keeps the last `limit` bytes written to it. Chunks are kept whole and dropped from the front once
 * the rest already covers the limit, so memory stays near `limit` plus one chunk.
 */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}

  /** Appends a chunk. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - (this.chunks[0] as Buffer).length >= this.limit) {
      this.size -= (this.chunks.shift() as Buffer).length;
    }
  }

  /**
   * The last `maxBytes` (default: the limit) as UTF-8 text. A multi-byte character cut at the start
   * is dropped rather than shown as a replacement character.
   */
  text(maxBytes = this.limit): string {
    const all = Buffer.concat(this.chunks);
    const tail = all.length > maxBytes ? all.subarray(all.length - maxBytes) : all;
    let start = 0;
    // Skip UTF-8 continuation bytes (10xxxxxx) left over from a character cut in half.
    while (start < tail.length && start < 3 && ((tail[start] as number) & 0xc0) === 0x80) start++;
    return tail.subarray(start).toString('utf8');
  }
}

/**
 * Splits a byte stream into lines (decoding UTF-8 across chunk boundaries) and hands each complete
 * line to `onLine`. Lines longer than 64 Ki characters are skipped, keeping memory bounded.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private overlong = false;
  constructor(private readonly onLine: (line: string) => void) {}

  /** Feeds a chunk; calls `onLine` for every line it completes. */
  write(chunk: Buffer): void {
    this.feed(this.decoder.write(chunk));
  }

  /** Flushes the last line when the stream ended without a newline. */
  end(): void {
    this.feed(this.decoder.end());
    if (!this.overlong && this.partial) this.onLine(this.partial);
    this.partial = '';
  }

  private feed(text: string): void {
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      const line = this.partial + text.slice(from, nl);
      if (!this.overlong) this.onLine(line);
      this.partial = '';
      this.overlong = false;
      from = nl + 1;
    }
    if (this.overlong) return;
    this.partial += text.slice(from);
    if (this.partial.length > MAX_LINE_CHARS) {
      this.partial = '';
      this.overlong = true;
    }
  }
}
