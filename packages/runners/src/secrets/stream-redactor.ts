import type { SecretValues } from "./collect.js";

interface Needle {
  readonly value: Buffer;
  readonly replacement: Buffer;
}

/**
 * Redacts a byte stream on its way to disk. Complete lines are written at once; of an unterminated
 * tail only the last (longest secret − 1) bytes are held back, so a secret split across chunks is
 * still caught while a line without a newline never waits long. `end()` flushes the rest.
 */
export class StreamRedactor {
  private held: Buffer = Buffer.alloc(0);
  private readonly needles: readonly Needle[];
  private readonly keep: number;
  /** Whether anything was replaced so far. */
  changed = false;

  constructor(
    secrets: SecretValues,
    private readonly write: (bytes: Buffer) => void,
  ) {
    this.needles = [...secrets].map(([value, name]) => ({
      value: Buffer.from(value),
      replacement: Buffer.from(`[redacted:${name}]`),
    }));
    this.keep = Math.max(0, ...this.needles.map((n) => n.value.length - 1));
  }

  push(chunk: Buffer): void {
    if (this.needles.length === 0) {
      if (chunk.length > 0) this.write(chunk);
      return;
    }
    const data = this.redact(this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk);
    const cut = Math.max(data.lastIndexOf(10) + 1, data.length - this.keep);
    if (cut > 0) this.write(data.subarray(0, cut));
    this.held = Buffer.from(data.subarray(cut));
  }

  end(): void {
    if (this.held.length > 0) this.write(this.redact(this.held));
    this.held = Buffer.alloc(0);
  }

  private redact(data: Buffer): Buffer {
    let out = data;
    for (const needle of this.needles) {
      let at = out.indexOf(needle.value);
      if (at === -1) continue;
      const parts: Buffer[] = [];
      let from = 0;
      while (at !== -1) {
        parts.push(out.subarray(from, at), needle.replacement);
        from = at + needle.value.length;
        at = out.indexOf(needle.value, from);
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
      this.changed = true;
    }
    return out;
  }
}
