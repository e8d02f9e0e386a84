import { compareUtf8 } from './utf8_order';

/**
 * The keys of a map in UTF-8 order, maintained lazily: writes only note what changed (O(1)), and
 * the sorted array is brought up to date when an iterator asks for it. Few changes since the last
 * iteration are merged in (O(n + k log k)); many changes, or none sorted yet, sort from scratch.
 *
 * Published arrays are never mutated, so an iterator can keep the one it got as its key snapshot.
 */
export class SortedKeyIndex {
  private sorted: string[] = [];
  /** Keys inserted since `sorted` was built; may hold keys deleted again, or duplicates. */
  private added: string[] = [];
  private removed = 0;
  /** `sorted`/`added` no longer track the map (too many changes): rebuild from the map's keys. */
  private stale = false;

  /** A key that was absent is now present. */
  keyAdded(key: string): void {
    if (this.stale) return;
    this.added.push(key);
    // Bound the pending list, so write-only workloads that never iterate do not keep every key twice.
    if (this.added.length > 4096 && this.added.length > this.sorted.length) this.markStale();
  }

  /** A key that was present is now absent. */
  keyRemoved(): void {
    if (this.stale) return;
    if (++this.removed > 4096 && this.removed > this.sorted.length >>> 1) this.markStale();
  }

  /** Forgets everything (the map was cleared). */
  clear(): void {
    this.sorted = [];
    this.added = [];
    this.removed = 0;
    this.stale = false;
  }

  /** The map's keys in UTF-8 order; the array must not be mutated. */
  keys(map: ReadonlyMap<string, unknown>): readonly string[] {
    if (this.stale) {
      this.sorted = Array.from(map.keys()).sort(compareUtf8);
    } else if (this.added.length !== 0 || this.removed !== 0) {
      this.sorted = this.merge(map);
    } else {
      return this.sorted;
    }
    this.added = [];
    this.removed = 0;
    this.stale = false;
    return this.sorted;
  }

  private markStale(): void {
    this.stale = true;
    this.sorted = [];
    this.added = [];
    this.removed = 0;
  }

  private merge(map: ReadonlyMap<string, unknown>): string[] {
    const old = this.sorted;
    const added = this.added.sort(compareUtf8);
    const out: string[] = new Array(map.size);
    let n = 0;
    let i = 0;
    let j = 0;
    let last: string | undefined;
    while (i < old.length || j < added.length) {
      let key: string;
      if (j >= added.length || (i < old.length && compareUtf8(old[i], added[j]) <= 0)) key = old[i++];
      else key = added[j++];
      // A key can be in both lists (deleted and added again) or twice in `added`; keep one live copy.
      if (key === last || !map.has(key)) continue;
      out[n++] = key;
      last = key;
    }
    out.length = n;
    return out;
  }
}
