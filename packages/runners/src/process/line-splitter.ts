/**
 * Splits a byte stream into lines on `\n` only (never on U+2028/U+2029, which may appear inside JSON
 * strings), decoding each complete line as UTF-8 and dropping a trailing `\r`. Chunks may end
 * mid-line or mid-character; the remainder waits for the next chunk.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes = 64 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let index = chunk.indexOf(10, start); index !== -1; index = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, index);
      let line: Buffer;
      if (this.pending.length > 0) {
        this.pending.push(piece);
        line = Buffer.concat(this.pending);
        this.pending = [];
        this.pendingBytes = 0;
      } else {
        line = piece;
      }
      this.emit(line);
      start = index + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.pendingBytes + rest.length > this.maxLineBytes) {
        // A line this long is not protocol output; flush what we have so memory stays bounded.
        this.pending.push(rest);
        this.emit(Buffer.concat(this.pending));
        this.pending = [];
        this.pendingBytes = 0;
      } else {
        this.pending.push(Buffer.from(rest));
        this.pendingBytes += rest.length;
      }
    }
  }

  /** Emits the last unterminated line, if any. */
  end(): void {
    if (this.pending.length > 0) {
      const line = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      if (line.length > 0) this.emit(line);
    }
  }

  private emit(line: Buffer): void {
    let text = line.toString("utf8");
    if (text.endsWith("\r")) text = text.slice(0, -1);
    this.onLine(text);
  }
}

/** Parses one protocol line as a JSON object; anything else (blank, junk, arrays) gives undefined. */
export function parseJsonObjectLine(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
