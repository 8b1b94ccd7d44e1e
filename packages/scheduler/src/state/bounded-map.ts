/**
 * A Map that keeps at most `limit` entries, dropping the least recently used one when full. The
 * daemon runs for weeks: a memo keyed by work item or run would otherwise grow with every item it
 * has ever seen (issue 19: memory flat with history).
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a whole number >= 1, got ${limit}`);
  }

  get size(): number {
    return this.map.size;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** The value, marked as just used. */
  get(key: K): V | undefined {
    if (!this.map.has(key)) return undefined;
    const value = this.map.get(key) as V;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: K, value: V): this {
    this.map.delete(key);
    this.map.set(key, value);
    // A Map iterates in insertion order, so its first key is the least recently used.
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as K);
    return this;
  }

  /** The values, least recently used first (reading them marks nothing as used). */
  values(): IterableIterator<V> {
    return this.map.values();
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }
}
