/**
 * A Map that forgets its oldest entries beyond `capacity`: for caches whose every use is checked against the
 * database (a miss only costs the slower way), so that forgetting is always safe and memory stays bounded.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error('A BoundedMap needs a capacity of at least 1.');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** The entry for `key`, made by `create` (and set as the newest) when there is none. */
  getOrSet(key: K, create: () => V): V {
    const known = this.entries.get(key);
    if (known !== undefined) return known;
    const made = create();
    this.set(key, made);
    return made;
  }

  /** Sets the entry as the newest one, forgetting the oldest while over capacity. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
