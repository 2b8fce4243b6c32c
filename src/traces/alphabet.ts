// Owns the dense alphabet: canonical syscall name <-> small integer id. Traces from different formats
// are encoded into one alphabet by canonical name so they can share a database. Encoding goes through a
// per-table Int32Array cache (raw number -> dense id), so the hot path is one array read per call.

import type { RawTrace, SyscallTable, Trace } from './trace.js';

export class Alphabet {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly caches = new Map<string, Int32Array>();
  /** Raw numbers >= DENSE_MAX (rare; a crafted file) go through a map, so memory follows the data. */
  private readonly sparse = new Map<string, Map<number, number>>();
  private frozen = false;

  static fromNames(names: readonly string[]): Alphabet {
    const a = new Alphabet();
    for (const n of names) a.intern(n);
    return a;
  }

  get size(): number {
    return this.names.length;
  }

  /** Id of a canonical name, adding it unless the alphabet is frozen (then -1 for unknown names). */
  intern(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      if (this.frozen) return -1;
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  idOf(name: string): number | undefined {
    return this.ids.get(name);
  }

  nameOf(id: number): string {
    const n = this.names[id];
    if (n === undefined) throw new RangeError(`syscall id ${id} is outside the alphabet (size ${this.size})`);
    return n;
  }

  allNames(): readonly string[] {
    return this.names;
  }

  /**
   * After freezing, names never seen before map to one shared "unknown" id (added on freeze), so a
   * test trace with calls absent from training still encodes and every window holding them mismatches.
   */
  freeze(): void {
    if (this.frozen) return;
    this.intern(UNKNOWN);
    this.frozen = true;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  private idForRaw(table: SyscallTable, raw: number): number {
    if (raw >= DENSE_MAX) return this.sparseId(table, raw);
    let cache = this.caches.get(table.id);
    if (cache === undefined || raw >= cache.length) {
      const grown = new Int32Array(Math.max(raw + 1, cache ? cache.length * 2 : 512)).fill(-2);
      if (cache) grown.set(cache);
      cache = grown;
      this.caches.set(table.id, cache);
    }
    let id = cache[raw]!;
    if (id === -2) {
      id = this.intern(table.name(raw));
      if (id === -1) id = this.ids.get(UNKNOWN)!;
      // Names interned after freezing are never cached as new ids, so the cache stays consistent.
      cache[raw] = id;
    }
    return id;
  }

  private sparseId(table: SyscallTable, raw: number): number {
    let m = this.sparse.get(table.id);
    if (m === undefined) this.sparse.set(table.id, (m = new Map()));
    let id = m.get(raw);
    if (id === undefined) {
      id = this.intern(table.name(raw));
      if (id === -1) id = this.ids.get(UNKNOWN)!;
      m.set(raw, id);
    }
    return id;
  }

  /** Encodes raw calls into dense ids. Raw numbers must be >= 0 (readers guarantee it). */
  encodeCalls(table: SyscallTable, calls: Int32Array): Int32Array {
    const out = new Int32Array(calls.length);
    // The cache is looked up once; only a miss (which may grow it) fetches it again.
    let cache = this.caches.get(table.id) ?? new Int32Array(0);
    for (let i = 0; i < calls.length; i++) {
      const r = calls[i]!;
      const hit = r < cache.length ? cache[r]! : -2;
      if (hit >= 0) out[i] = hit;
      else {
        out[i] = this.idForRaw(table, r);
        cache = this.caches.get(table.id) ?? cache;
      }
    }
    return out;
  }

  encode(raw: RawTrace): Trace {
    const { calls, table, ...meta } = raw;
    return { ...meta, calls: this.encodeCalls(table, calls), alphabet: this };
  }
}

/**
 * Raw numbers below this are cached in a dense array per table (at most 256 KiB); larger ones (no real
 * table has them) in a map, so a crafted number like 2^31 - 1 costs one map entry, not 8 GiB.
 */
const DENSE_MAX = 1 << 16;

/** Canonical name standing for every call not in a frozen alphabet. */
export const UNKNOWN = '<unknown>';
