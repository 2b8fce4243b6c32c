// Owns the sequence database storage: a set of distinct length-k windows over dense syscall ids, held in
// typed arrays, with an exact integer key per window.
//
// Key: every call is encoded as v = id - lo + 1 in b bits (lo = the smallest id stored, 0 unless a caller
// stores negative ids; b = the fewest bits that hold the largest code; the + 1 keeps v = 0 out of every
// stored key); a window is the k*b-bit string of its
// codes, oldest call in the high bits, split into nl = ceil(k*b / 32) 32-bit lanes (lane 0 = lowest bits).
// Sliding the window one call forward is a shift by b across the lanes plus a mask of the top lane, so a
// scan updates the key in O(nl) integer ops per call. The key is exact (no hash is trusted): a window is
// in the set iff its nl lanes equal a stored slot's lanes. ADFA-LD (< 255 ids, b = 8): k <= 4 is one lane,
// k <= 8 two, k <= 12 three, k <= 16 four.
//
// Table: open addressing with linear probing over slots of nl ints, interleaved in one Int32Array (lane
// stride 1, 2, then nl), so one probe reads the whole key from one cache line (a 3-lane slot straddles two
// lines 1 time in 8). The table holds keys only, which keeps it small enough for the L2 cache at ADFA-LD
// sizes; the window's index (for counts and t-stide's rarity flags) is in a parallel array read on a hit
// only. Slot = multiply-shift hash of the lanes (one Math.imul per lane, top bits). Lane 0 of a stored key
// is never 0 (its lowest code is >= 1), so lane 0 = 0 marks an empty slot. The load factor stays <= 1/2.
//
// Ids the key cannot hold (below lo, or above lo + 2^b - 2) are never stored: a test call holding one
// gets code 0, which no stored key has in any position, so its windows cannot match (the probe tests for
// an empty slot before comparing, so even an all-zero query key is absent). Storing an id outside the
// current range re-encodes the set (a rare rebuild: about log2 of the alphabet size times). Windows are also kept in insertion order (arena,
// k ints each) with how many times each was seen in training (t-stide needs the counts), so indices are
// stable and a model file can store them.
//
// Two-lane scans (k <= 8 over < 255 ids) of tables of >= 4096 slots run in WebAssembly (below): the
// set keeps a copy of its table in its own wasm linear memory (refreshed after training changed it),
// plus scratch for the longest trace scanned; `bytes` counts the JS arrays only. Without WebAssembly,
// or for Int32Array calls, the same loop runs in JS (scan2).
//
// API note (issue 11): findHashed/addHashed keep their signatures but ignore the hash argument (keys are
// exact); hashWindow/powB remain for callers' own caches. New: find, signalInto (no allocation),
// lookupAll(calls, out?), bitsPerCall, lanes, and the constructor's optional maxId hint.

const MAX_BITS = 30;
/**
 * Odd multipliers of the multiply-shift hash, one per lane (lanes 5+ reuse them in turn). The hot loops
 * spell them as literals (0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f): a module constant outside
 * V8's small-integer range is a heap number, loaded, hole-checked and unboxed on every use.
 */
const MUL = [0x9e3779b1 | 0, 0x85ebca77 | 0, 0xc2b2ae3d | 0, 0x27d4eb2f | 0] as const;

// The polynomial rolling hash below is no longer used by WindowSet itself; it stays exported for callers
// that hash windows for their own caches (hamming, profiles).
const B = 0x01000193; // FNV prime: odd, so multiplication mod 2^32 is invertible.

export function powB(k: number): number {
  let p = 1;
  for (let i = 0; i < k - 1; i++) p = Math.imul(p, B);
  return p;
}

/** Polynomial hash of seq[start .. start+k). */
export function hashWindow(seq: ArrayLike<number>, start: number, k: number): number {
  let h = 0;
  for (let j = 0; j < k; j++) h = (Math.imul(h, B) + seq[start + j]!) | 0;
  return h;
}

/** Bits per call code for a largest id: codes are id + 1, so the bit length of maxId + 1 (at least 1). */
export function bitsForMaxId(maxId: number): number {
  const v = Math.max(1, maxId + 1);
  return 32 - Math.clz32(v);
}

function log2(x: number): number {
  return 31 - Math.clz32(x);
}

/** Lane j's mask for a key of nl lanes whose top lane has mask top: all bits, the top mask, or 0 (unused). */
function laneMask(j: number, nl: number, top: number): number {
  return j < nl - 1 ? -1 : j === nl - 1 ? top : 0;
}

// ---------------------------------------------------------------------------------------------------
// The two-lane scan in WebAssembly. V8's optimised JS keeps a type check, a bounds check and a pointer
// load on every typed-array access of scan2; the same loop in wasm linear memory has none of them. The
// module is assembled here from its opcodes (no toolchain, no install); the text form:
//
//   (func $scan (param $calls $n $out $k $b $top $maxV $lo $maskB $shift i32)
//     ;; table at byte 0: slot s = lanes at 8s, 8s+4; calls (u8 or u16) at $calls; signal to $out
//     cb = 32 - b; outAdj = out + 1 - k
//     for p in 0 .. k-2: roll(p)                    ;; as scan2: l1 = ((l1<<b)|(l0>>>cb))&top; l0 = (l0<<b)|v
//     for p in k-1 .. n-1: roll(p); s = ((l0*M0 + l1*M1) >>> shift) << 3; miss = 1
//       while (a = load(s)) != 0: if ((a^l0)|(load(s+4)^l1)) == 0 { miss = 0; break }; s = (s+8) & maskB
//       store8(outAdj + p, miss))
//
// Every operation is scan2's (i32 wrap-around = JS's |0 and >>> semantics), so the signal is identical.

/** Tables below this many slots stay in JS (they fit the L1/L2 cache; no memory per set is worth it). */
const WASM_MIN_SLOTS = 4096;

/** The slice of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number }) => WasmMemory;
}
const WA = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

interface WasmScan {
  mem: WasmMemory;
  scan8: (...a: number[]) => void;
  scan16: (...a: number[]) => void;
}

function uleb(n: number): number[] {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    o.push(b);
  } while (n !== 0);
  return o;
}

function sleb(n: number): number[] {
  const o: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      o.push(b);
      return o;
    }
    o.push(b | 0x80);
  }
}

// Opcodes (WebAssembly core spec, binary format).
const GET = 0x20, SET = 0x21, TEE = 0x22, CONST = 0x41, ADD = 0x6a, SUB = 0x6b, IMUL = 0x6c, AND = 0x71, OR = 0x72, XOR = 0x73, SHL = 0x74, SHRU = 0x76;
const EQZ = 0x45, LTU = 0x49, GES = 0x4e, SELECT = 0x1b, BLOCK = 0x02, LOOP = 0x03, IF = 0x04, BR = 0x0c, BRIF = 0x0d, END = 0x0b, VOID = 0x40;
const LOAD = 0x28, LOAD8U = 0x2d, LOAD16U = 0x2f, STORE8 = 0x3a, I32 = 0x7f;
// Params 0-9: calls n out k b top maxV lo maskB shift; locals 10-18: p x l0 l1 s a miss cb outAdj.
const P_CALLS = 0, P_N = 1, P_OUT = 2, P_K = 3, P_B = 4, P_TOP = 5, P_MAXV = 6, P_LO = 7, P_MASKB = 8, P_SHIFT = 9;
const L_P = 10, L_X = 11, L_L0 = 12, L_L1 = 13, L_S = 14, L_A = 15, L_MISS = 16, L_CB = 17, L_OUTADJ = 18;

function scanBody(u16: boolean): number[] {
  const g = (i: number): number[] => [GET, i];
  const s = (i: number): number[] => [SET, i];
  const c = (n: number): number[] => [CONST, ...sleb(n)];
  // x = calls[p] - lo; v = x <u maxV ? x + 1 : 0 (kept in $a); roll the two lanes.
  const roll = [
    ...g(P_CALLS), ...g(L_P), ...(u16 ? [...c(1), SHL] : []), ADD, u16 ? LOAD16U : LOAD8U, u16 ? 1 : 0, 0, ...g(P_LO), SUB, ...s(L_X),
    ...g(L_X), ...c(1), ADD, ...c(0), ...g(L_X), ...g(P_MAXV), LTU, SELECT, ...s(L_A),
    ...g(L_L1), ...g(P_B), SHL, ...g(L_L0), ...g(L_CB), SHRU, OR, ...g(P_TOP), AND, ...s(L_L1),
    ...g(L_L0), ...g(P_B), SHL, ...g(L_A), OR, ...s(L_L0),
  ];
  const inc = [...g(L_P), ...c(1), ADD, ...s(L_P)];
  const code = [
    ...c(32), ...g(P_B), SUB, ...s(L_CB),
    ...g(P_OUT), ...c(1), ADD, ...g(P_K), SUB, ...s(L_OUTADJ),
    BLOCK, VOID, LOOP, VOID,
    ...g(L_P), ...g(P_K), ...c(1), SUB, GES, BRIF, 1,
    ...roll, ...inc, BR, 0,
    END, END,
    BLOCK, VOID, LOOP, VOID,
    ...g(L_P), ...g(P_N), GES, BRIF, 1,
    ...roll,
    ...g(L_L0), ...c(0x9e3779b1 | 0), IMUL, ...g(L_L1), ...c(0x85ebca77 | 0), IMUL, ADD, ...g(P_SHIFT), SHRU, ...c(3), SHL, ...s(L_S),
    ...c(1), ...s(L_MISS),
    ...g(L_S), LOAD, 2, 0, ...s(L_A),
    BLOCK, VOID, LOOP, VOID,
    ...g(L_A), EQZ, BRIF, 1,
    ...g(L_A), ...g(L_L0), XOR, ...g(L_S), LOAD, 2, 4, ...g(L_L1), XOR, OR, EQZ,
    IF, VOID, ...c(0), ...s(L_MISS), BR, 2, END,
    ...g(L_S), ...c(8), ADD, ...g(P_MASKB), AND, TEE, L_S, LOAD, 2, 0, ...s(L_A),
    BR, 0,
    END, END,
    ...g(L_OUTADJ), ...g(L_P), ADD, ...g(L_MISS), STORE8, 0, 0,
    ...inc, BR, 0,
    END, END,
    END,
  ];
  const f = [1, ...uleb(9), I32, ...code];
  return [...uleb(f.length), ...f];
}

function section(id: number, bytes: number[]): number[] {
  return [id, ...uleb(bytes.length), ...bytes];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

let wasmModule: object | null | undefined;

/**
 * A fresh instance of the scan module over a new memory of `bytes` (rounded up to 64 KiB pages); null
 * when WebAssembly cannot be used. A set that needs more room gets a new instance rather than
 * memory.grow: growing detaches the old ArrayBuffer, and the first detach anywhere in the process makes
 * V8 add a detached-buffer check to every optimised typed-array access (measured: the summing floor
 * ran at half speed).
 */
function newWasmScan(bytes: number): WasmScan | null {
  if (WA === undefined) return null;
  try {
    if (wasmModule === undefined) {
      const bytes = new Uint8Array([
        0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
        ...section(1, [1, 0x60, 10, ...new Array<number>(10).fill(I32), 0]), // type: (10 x i32) -> ()
        ...section(2, [1, ...name('env'), ...name('mem'), 2, 0, 1]), // import env.mem: a memory of >= 1 page
        ...section(3, [2, 0, 0]), // two functions of type 0
        ...section(7, [2, ...name('scan8'), 0, 0, ...name('scan16'), 0, 1]),
        ...section(10, [2, ...scanBody(false), ...scanBody(true)]),
      ]);
      wasmModule = new WA.Module(bytes);
    }
    if (wasmModule === null) return null;
    const mem = new WA.Memory({ initial: Math.ceil(bytes / 65536) });
    const e = new WA.Instance(wasmModule, { env: { mem } }).exports;
    return { mem, scan8: e.scan8 as WasmScan['scan8'], scan16: e.scan16 as WasmScan['scan16'] };
  } catch {
    if (wasmModule === undefined) wasmModule = null;
    return null; // no WebAssembly, or no memory left for another instance: the JS scan runs
  }
}

export class WindowSet {
  readonly k: number;
  /** Kept for callers of the old rolling-hash API (hashWindow/powB); not used by the set. */
  readonly bk1: number;
  /** Bits per call code. */
  private b = 1;
  /** Lanes per key (= ints per slot). */
  private nl = 1;
  /** Mask of the top lane's k*b - 32*(nl-1) bits. */
  private topMask = 0;
  /** Largest code that fits: ids lo .. lo+maxV-1 encode (code = id - lo + 1). */
  private maxV = 1;
  /** Smallest id the codes start from (0 unless negative ids were stored). */
  private lo = 0;
  /** Keys, nl ints per slot; lane 0 = 0: empty. */
  private slots: Int32Array;
  /** Slot -> window index (valid where the slot is occupied). */
  private slotIdx: Int32Array;
  /** Table capacity - 1 (slots). */
  private mask: number;
  /** 32 - log2(capacity): the multiply-shift keeps the top bits. */
  private shift: number;
  /** Stored windows, k ints each, in insertion order. */
  private arena: Int32Array;
  private counts: Float64Array;
  private n = 0;
  private total = 0;
  /** Scratch key of the generic paths. */
  private kb: Int32Array = new Int32Array(1);
  /** The two-lane scan in WebAssembly (created on the first large scan; null: unavailable). */
  private wasm: WasmScan | null | undefined = undefined;
  /** The table changed since it was copied into the WebAssembly memory. */
  private wasmStale = true;

  /**
   * @param initialCapacity windows the set holds before it first grows (sizing it from the training
   *   length, e.g. the number of training windows, avoids every rehash).
   * @param maxId largest id expected (sets the bits per call up front; larger ids still work, by a rebuild).
   */
  constructor(k: number, initialCapacity = 16, maxId = 0) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`window length k must be a positive integer, got ${k}`);
    this.k = k;
    this.bk1 = powB(k);
    let windows = 8;
    while (windows < initialCapacity) windows *= 2;
    const cap = windows * 2;
    this.arena = new Int32Array(windows * k);
    this.counts = new Float64Array(windows);
    this.slots = new Int32Array(0);
    this.slotIdx = new Int32Array(0);
    this.mask = 0;
    this.shift = 0;
    this.layout(bitsForMaxId(Math.max(0, maxId)), cap);
  }

  /** Sets the key layout for b bits per call and an empty table of cap slots. */
  private layout(b: number, cap: number): void {
    if (b > MAX_BITS) throw new RangeError(`a syscall id needs ${b} bits; a window set holds ids up to 2^${MAX_BITS} - 2`);
    const bits = this.k * b;
    const nl = Math.ceil(bits / 32);
    const topBits = bits - 32 * (nl - 1);
    this.b = b;
    this.nl = nl;
    this.topMask = topBits === 32 ? -1 : (1 << topBits) - 1;
    this.maxV = (1 << b) - 1; // b <= 30: a small integer (2 ** b would make the field a double)
    this.slots = new Int32Array(cap * nl);
    this.slotIdx = new Int32Array(cap);
    this.mask = cap - 1;
    this.shift = 32 - log2(cap);
    if (this.kb.length !== nl) this.kb = new Int32Array(nl);
    this.wasmStale = true;
  }

  /** Re-inserts every stored window (after a layout change: more bits or a bigger table). */
  private rebuild(b: number, cap: number): void {
    this.layout(b, cap);
    const k = this.k | 0;
    const kb = new Int32Array(this.nl); // not this.kb: addTrace's generic rolling key may live there
    for (let i = 0; i < this.n; i++) {
      this.keyInto(this.arena, i * k, kb);
      this.insertSlot(kb, this.probe(kb), i);
    }
  }

  /** Number of distinct windows. */
  get size(): number {
    return this.n;
  }

  /** Number of windows added, duplicates included. */
  get totalAdded(): number {
    return this.total;
  }

  /** Bits per call code in the keys (ids up to 2^bits - 2). */
  get bitsPerCall(): number {
    return this.b;
  }

  /** 32-bit lanes per window key. */
  get lanes(): number {
    return this.nl;
  }

  /** Bytes held by the typed arrays of this set (capacity, not just the used part). */
  get bytes(): number {
    return this.slots.byteLength + this.slotIdx.byteLength + this.arena.byteLength + this.counts.byteLength;
  }

  /** Bytes needed for the distinct windows alone (k int32 each), the size a compact model file needs. */
  get payloadBytes(): number {
    return this.n * this.k * 4;
  }

  /** Key lanes of seq[start..start+k) into out; false when a call does not fit the key (then absent). */
  private keyInto(seq: ArrayLike<number>, start: number, out: Int32Array): boolean {
    const nl = this.nl | 0;
    const b = this.b | 0;
    const cb = 32 - b;
    const top = this.topMask | 0;
    const maxV = this.maxV;
    const lo = this.lo | 0;
    out.fill(0);
    let ok = true;
    for (let j = 0; j < this.k; j++) {
      const d = seq[start + j]! - lo;
      let v = d + 1;
      if (!(d >= 0 && v <= maxV)) {
        ok = false;
        v = 0;
      }
      for (let l = nl - 1; l > 0; l--) out[l] = (out[l]! << b) | (out[l - 1]! >>> cb);
      out[0] = (out[0]! << b) | v;
      out[nl - 1] = out[nl - 1]! & top;
    }
    return ok;
  }

  private hashKey(key: Int32Array): number {
    let h = 0;
    for (let l = 0; l < this.nl; l++) h = (h + Math.imul(key[l]!, MUL[l & 3]!)) | 0;
    return h >>> this.shift;
  }

  /** Slot holding key, or -(empty slot + 1) where it would go. */
  private probe(key: Int32Array): number {
    const slots = this.slots;
    const nl = this.nl | 0;
    const mask = this.mask | 0;
    let s = this.hashKey(key);
    for (;;) {
      const base = s * nl;
      const a = slots[base]!;
      if (a === 0) return -(s + 1);
      if (a === key[0]) {
        let l = 1;
        while (l < nl && slots[base + l] === key[l]) l++;
        if (l === nl) return s;
      }
      s = (s + 1) & mask;
    }
  }

  private insertSlot(key: Int32Array, p: number, idx: number): void {
    const s = -p - 1;
    const base = s * this.nl;
    for (let l = 0; l < this.nl; l++) this.slots[base + l] = key[l]!;
    this.slotIdx[s] = idx;
    this.wasmStale = true;
  }

  /** Index of the window seq[start..start+k), or -1. */
  find(seq: ArrayLike<number>, start = 0): number {
    if (!this.keyInto(seq, start, this.kb)) return -1;
    const p = this.probe(this.kb);
    return p >= 0 ? this.slotIdx[p]! : -1;
  }

  /**
   * Rolls one call into a caller-held key of `lanes` ints (the online detector keeps one per process):
   * after k rolls since the key was zeroed, key holds the exact key of the last k calls, and findKey
   * looks it up without rebuilding it from a ring buffer. Ids the key cannot hold roll in as code 0,
   * so (as in find) no window holding one is ever found. Valid while the set's layout is unchanged
   * (no add of a new id range after the key was started).
   */
  rollKey(key: Int32Array, id: number): void {
    const b = this.b | 0;
    const cb = 32 - b;
    const nl = this.nl | 0;
    const x = id - this.lo;
    const v = x >= 0 && x < this.maxV ? x + 1 : 0;
    for (let l = nl - 1; l > 0; l--) key[l] = (key[l]! << b) | (key[l - 1]! >>> cb);
    key[0] = (key[0]! << b) | v;
    key[nl - 1] = key[nl - 1]! & this.topMask;
  }

  /** Index of the window whose key (rollKey) is in key[0 .. lanes), or -1. */
  findKey(key: Int32Array): number {
    const p = this.probe(key);
    return p >= 0 ? this.slotIdx[p]! : -1;
  }

  /** Old API: index of the window seq[start..start+k), or -1. The hash argument is ignored (keys are exact). */
  findHashed(seq: ArrayLike<number>, start: number, _h?: number): number {
    return this.find(seq, start);
  }

  has(seq: ArrayLike<number>, start = 0): boolean {
    return this.find(seq, start) >= 0;
  }

  /** Makes room for ids in [minId, maxId] (a lower lo or more bits per call: a rebuild). */
  private fitIds(minId: number, maxId: number): void {
    if (minId >= this.lo && maxId - this.lo + 1 <= this.maxV) return;
    this.lo = Math.min(this.lo, minId);
    this.rebuild(bitsForMaxId(maxId - this.lo), this.mask + 1);
  }

  /**
   * Shrinks the storage and the table to what the stored windows need: exactly the size the set would
   * have grown to from the default start (so bytes and signals do not depend on the sizing hint). Call it
   * after training a set sized from the training length; a no-op when nothing is to shrink.
   */
  fit(): void {
    let windows = 16;
    while (windows < this.n) windows *= 2;
    if (windows >= this.counts.length) return;
    const arena = new Int32Array(windows * this.k);
    arena.set(this.arena.subarray(0, this.n * this.k));
    this.arena = arena;
    const counts = new Float64Array(windows);
    counts.set(this.counts.subarray(0, this.n));
    this.counts = counts;
    this.regrow(windows * 2);
  }

  /** Doubles the window storage and the table. */
  private growWindows(): void {
    const cap = (this.mask + 1) * 2;
    const windows = cap / 2;
    const arena = new Int32Array(windows * this.k);
    arena.set(this.arena);
    this.arena = arena;
    const counts = new Float64Array(windows);
    counts.set(this.counts);
    this.counts = counts;
    this.regrow(cap);
  }

  /** A bigger table, same key layout: moves the stored keys over (no re-encoding from the arena). */
  private regrow(cap: number): void {
    const old = this.slots;
    const oldIdx = this.slotIdx;
    const oldCap = this.mask + 1;
    this.layout(this.b, cap);
    const nl = this.nl | 0;
    const slots = this.slots;
    const slotIdx = this.slotIdx;
    const mask = this.mask | 0;
    const shift = this.shift | 0;
    for (let s = 0; s < oldCap; s++) {
      const base = s * nl;
      if (old[base] === 0) continue;
      let h = 0;
      for (let l = 0; l < nl; l++) h = (h + Math.imul(old[base + l]!, MUL[l & 3]!)) | 0;
      let t = h >>> shift;
      while (slots[t * nl] !== 0) t = (t + 1) & mask;
      for (let l = 0; l < nl; l++) slots[t * nl + l] = old[base + l]!;
      slotIdx[t] = oldIdx[s]!;
    }
  }

  private full(): boolean {
    return (this.n + 1) * 2 > this.mask + 1 || this.n === this.counts.length;
  }

  /** Stores a new window (its calls at seq[start..]) in empty slot s; returns its index. */
  private append(seq: ArrayLike<number>, start: number, times: number): number {
    const idx = this.n++;
    const k = this.k | 0;
    const arena = this.arena;
    for (let j = 0; j < k; j++) arena[idx * k + j] = seq[start + j]!;
    this.counts[idx] = times;
    return idx;
  }

  /** Adds the window whose key is in kb (seq[start..] holds its calls); returns true when it was new. */
  private addKey(kb: Int32Array, seq: ArrayLike<number>, start: number, times: number): boolean {
    this.total += times;
    let p = this.probe(kb);
    if (p >= 0) {
      const idx = this.slotIdx[p]!;
      this.counts[idx] = this.counts[idx]! + times;
      return false;
    }
    if (this.full()) {
      this.growWindows();
      p = this.probe(kb);
    }
    this.insertSlot(kb, p, this.append(seq, start, times));
    return true;
  }

  /** Adds one occurrence of the window seq[start..start+k) (integer ids); returns true when it was new. */
  add(seq: ArrayLike<number>, start = 0, times = 1): boolean {
    let max = this.lo;
    let min = this.lo;
    for (let j = 0; j < this.k; j++) {
      const x = seq[start + j]!;
      if (!Number.isInteger(x)) throw new RangeError(`syscall id ${x} is not an integer`);
      if (x > max) max = x;
      if (x < min) min = x;
    }
    this.fitIds(min, max);
    this.keyInto(seq, start, this.kb);
    return this.addKey(this.kb, seq, start, times);
  }

  /** Old API: add with a precomputed hash, which is ignored (keys are exact). */
  addHashed(seq: ArrayLike<number>, start: number, _h?: number, times = 1): boolean {
    return this.add(seq, start, times);
  }

  /** Adds every window of a trace; returns how many were new. */
  addTrace(calls: ArrayLike<number>): number {
    const k = this.k | 0;
    const L = calls.length;
    if (L < k) return 0;
    let max = this.lo;
    let min = this.lo;
    for (let i = 0; i < L; i++) {
      const x = calls[i]!;
      if (x > max) max = x;
      else if (x < min) min = x;
    }
    this.fitIds(min, max);
    return this.nl <= 4 ? this.addTrace4(calls) : this.addTraceN(calls);
  }

  /** addTrace for keys of up to 4 lanes, held in locals (the layout cannot change during a trace). */
  private addTrace4(calls: ArrayLike<number>): number {
    const k = this.k | 0;
    const L = calls.length;
    const b = this.b | 0;
    const cb = 32 - b;
    const nl = this.nl | 0;
    const top = this.topMask | 0;
    const m1 = laneMask(1, nl, top);
    const m2 = laneMask(2, nl, top);
    const m3 = laneMask(3, nl, top);
    const m0 = nl === 1 ? top : -1;
    let l0 = 0;
    let l1 = 0;
    let l2 = 0;
    let l3 = 0;
    let added = 0;
    for (let p = 0; p < L; p++) {
      const v = calls[p]! - this.lo + 1;
      l3 = ((l3 << b) | (l2 >>> cb)) & m3;
      l2 = ((l2 << b) | (l1 >>> cb)) & m2;
      l1 = ((l1 << b) | (l0 >>> cb)) & m1;
      l0 = ((l0 << b) | v) & m0;
      if (p < k - 1) continue;
      this.total++;
      const slots = this.slots;
      const mask = this.mask | 0;
      let s = (Math.imul(l0, 0x9e3779b1) + Math.imul(l1, 0x85ebca77) + Math.imul(l2, 0xc2b2ae3d) + Math.imul(l3, 0x27d4eb2f)) >>> this.shift;
      for (;;) {
        const base = s * nl;
        const a = slots[base]!;
        if (a === 0) break;
        if (a === l0 && (nl < 2 || slots[base + 1] === l1) && (nl < 3 || slots[base + 2] === l2) && (nl < 4 || slots[base + 3] === l3)) break;
        s = (s + 1) & mask;
      }
      if (slots[s * nl] !== 0) {
        const idx = this.slotIdx[s]!;
        this.counts[idx] = this.counts[idx]! + 1;
        continue;
      }
      if (this.full()) {
        this.total--;
        const kb = this.kb;
        this.keyInto(calls, p - k + 1, kb);
        this.addKey(kb, calls, p - k + 1, 1); // grows, then inserts
        added++;
        continue;
      }
      const base = s * nl;
      this.wasmStale = true;
      slots[base] = l0;
      if (nl > 1) slots[base + 1] = l1;
      if (nl > 2) slots[base + 2] = l2;
      if (nl > 3) slots[base + 3] = l3;
      this.slotIdx[s] = this.append(calls, p - k + 1, 1);
      added++;
    }
    return added;
  }

  /** addTrace for keys of any width (generic scratch key). */
  private addTraceN(calls: ArrayLike<number>): number {
    const k = this.k | 0;
    const L = calls.length;
    const kb = this.kb;
    this.keyInto(calls, 0, kb);
    let added = 0;
    for (let i = 0; ; i++) {
      if (this.addKey(kb, calls, i, 1)) added++;
      if (i + k >= L) break;
      const b = this.b | 0;
      const cb = 32 - b;
      const nl = this.nl | 0;
      for (let l = nl - 1; l > 0; l--) kb[l] = (kb[l]! << b) | (kb[l - 1]! >>> cb);
      kb[0] = (kb[0]! << b) | (calls[i + k]! - this.lo + 1);
      kb[nl - 1] = kb[nl - 1]! & this.topMask;
    }
    return added;
  }

  /** How many times window idx was seen in training. */
  countAt(idx: number): number {
    return this.counts[idx]!;
  }

  /** Copy of window idx. */
  windowAt(idx: number): Int32Array {
    return this.arena.slice(idx * this.k, idx * this.k + this.k);
  }

  /** The stored windows (n*k ints) and their counts, in insertion order: what a model file holds. */
  export(): { windows: Int32Array; counts: Float64Array } {
    return { windows: this.arena.slice(0, this.n * this.k), counts: this.counts.slice(0, this.n) };
  }

  static fromExport(k: number, windows: Int32Array, counts: Float64Array): WindowSet {
    const n = counts.length;
    if (windows.length !== n * k) throw new RangeError(`window array holds ${windows.length} ints, expected ${n} x ${k}`);
    let maxId = 0;
    for (let i = 0; i < windows.length; i++) if (windows[i]! > maxId) maxId = windows[i]!;
    const s = new WindowSet(k, Math.max(16, n), maxId);
    for (let i = 0; i < n; i++) s.add(windows, i * k, counts[i]!);
    return s;
  }

  /**
   * Mismatch signal of a trace: out[i] = 1 when window i is absent. Length max(0, L-k+1). Writes into
   * `out` when it is long enough (no allocation but the returned view), else into a new array.
   */
  mismatches(calls: ArrayLike<number>, out?: Uint8Array): Uint8Array {
    const L = calls.length;
    const nw = L >= this.k ? L - this.k + 1 : 0;
    const sig = out && out.length >= nw ? out.subarray(0, nw) : new Uint8Array(nw);
    this.signalInto(calls, 0, L, sig, 0);
    return sig;
  }

  /**
   * The hot path. Mismatch signal of the windows of calls[from..to) into out[at ..]: 1 = absent.
   * Returns the number of windows written, max(0, to-from-k+1). No allocation.
   */
  signalInto(calls: ArrayLike<number>, from: number, to: number, out: Uint8Array, at = 0): number {
    const k = this.k | 0;
    const nw = to - from >= k ? to - from - k + 1 : 0;
    if (nw === 0) return 0;
    if (this.nl === 1) this.scan1(calls, from, nw, out, at);
    else if (this.nl === 2) {
      if (this.mask >= WASM_MIN_SLOTS - 1 && (calls instanceof Uint8Array || calls instanceof Uint16Array) && this.wasmScan2(calls, from, nw, out, at)) return nw;
      this.scan2(calls, from, nw, out, at);
    }
    else if (this.nl <= 4) this.scan4(calls, from, nw, out, null, at);
    else this.scanN(calls, from, nw, out, null, at);
    return nw;
  }

  /** Index of every window of a trace in this set (-1 when absent); t-stide derives rarity from it. */
  lookupAll(calls: ArrayLike<number>, out?: Int32Array): Int32Array {
    const k = this.k | 0;
    const L = calls.length;
    const nw = L >= k ? L - k + 1 : 0;
    const res = out && out.length >= nw ? out.subarray(0, nw) : new Int32Array(nw);
    if (nw === 0) return res;
    if (this.nl <= 4) this.scan4(calls, 0, nw, null, res, 0);
    else this.scanN(calls, 0, nw, null, res, 0);
    return res;
  }

  private scan1(calls: ArrayLike<number>, from: number, nw: number, out: Uint8Array, at: number): void {
    from |= 0; // small integers from here on: no tag checks in the loop
    nw |= 0;
    at |= 0;
    const k = this.k | 0;
    const b = this.b | 0;
    const top = this.topMask | 0;
    const maxV = this.maxV >>> 0; // uint32 on both sides of x >>> 0 < maxV: an integer compare
    const lo = this.lo | 0;
    const slots = this.slots;
    const mask = this.mask | 0;
    const shift = this.shift | 0;
    let l0 = 0;
    const end = nw + k - 1;
    for (let p = 0; p < end; p++) {
      const x = calls[from + p]! - lo;
      const v = x >>> 0 < maxV ? x + 1 : 0;
      l0 = ((l0 << b) | v) & top;
      const i = p - k + 1;
      if (i < 0) continue;
      let s = Math.imul(l0, 0x9e3779b1) >>> shift;
      for (;;) {
        const a = slots[s]!;
        if (a === 0) {
          out[at + i] = 1;
          break;
        }
        if (a === l0) {
          out[at + i] = 0;
          break;
        }
        s = (s + 1) & mask;
      }
    }
  }

  /**
   * Two lanes (the common case: k <= 8 over < 255 ids). One plain pass: the probes of consecutive windows
   * do not depend on each other, so the CPU overlaps them as long as the loop stays small (a blocked
   * two-pass form measured slower). The multipliers are literals: module constants outside the Smi
   * range cost V8 a load, a hole check and an unboxing per use.
   */
  private scan2(calls: ArrayLike<number>, from: number, nw: number, out: Uint8Array, at: number): void {
    from |= 0; // small integers from here on: no tag checks in the loop
    nw |= 0;
    at |= 0;
    const k = this.k | 0;
    const b = this.b | 0;
    const cb = 32 - b;
    const top = this.topMask | 0;
    const maxV = this.maxV >>> 0; // uint32 on both sides of x >>> 0 < maxV: an integer compare
    const lo = this.lo | 0;
    const slots = this.slots;
    const mask = this.mask | 0;
    const shift = this.shift | 0;
    let l0 = 0;
    let l1 = 0;
    for (let p = from; p < from + k - 1; p++) {
      const x = calls[p]! - lo;
      const v = x >>> 0 < maxV ? x + 1 : 0;
      l1 = ((l1 << b) | (l0 >>> cb)) & top;
      l0 = (l0 << b) | v;
    }
    const end = from + nw + k - 1;
    const d = at - (from + k - 1); // out index = p + d
    const mask2 = (mask << 1) | 1; // slot s starts at int 2s
    for (let p = from + k - 1; p < end; p++) {
      const x = calls[p]! - lo;
      const v = x >>> 0 < maxV ? x + 1 : 0;
      l1 = ((l1 << b) | (l0 >>> cb)) & top;
      l0 = (l0 << b) | v;
      let s = ((Math.imul(l0, 0x9e3779b1) + Math.imul(l1, 0x85ebca77)) >>> shift) << 1;
      let a = slots[s]!;
      let miss = 1;
      // a = 0 first: an all-foreign query (lanes 0) must not match an empty slot
      while (a !== 0) {
        if (((a ^ l0) | (slots[s + 1]! ^ l1)) === 0) {
          miss = 0;
          break;
        }
        s = (s + 2) & mask2;
        a = slots[s]!;
      }
      out[p + d] = miss;
    }
  }

  /**
   * scan2 in WebAssembly: copies the table (when it changed), then the calls, into this set's own
   * linear memory, scans there and copies the signal out. False when WebAssembly is unavailable.
   */
  private wasmScan2(calls: Uint8Array | Uint16Array, from: number, nw: number, out: Uint8Array, at: number): boolean {
    const k = this.k | 0;
    const n = nw + k - 1;
    const cap = this.mask + 1;
    const tableBytes = cap * 8;
    const esz = calls.BYTES_PER_ELEMENT;
    const callsOff = tableBytes;
    const outOff = callsOff + ((n * esz + 7) & ~7);
    const need = outOff + nw;
    let w = this.wasm;
    if (w === null) return false;
    if (w === undefined || w.mem.buffer.byteLength < need) {
      // Room for the table and traces of 64 Ki calls, or twice what is needed now.
      w = this.wasm = newWasmScan(Math.max(need * 2, tableBytes + 3 * 65536));
      if (w === null) return false;
      this.wasmStale = true;
    }
    const buf = w.mem.buffer;
    if (this.wasmStale) {
      new Int32Array(buf, 0, cap * 2).set(this.slots);
      this.wasmStale = false;
    }
    const src = from === 0 && n === calls.length ? calls : calls.subarray(from, from + n);
    const u8 = new Uint8Array(buf);
    if (esz === 1) u8.set(src, callsOff);
    else new Uint16Array(buf, callsOff, n).set(src);
    (esz === 1 ? w.scan8 : w.scan16)(callsOff, n, outOff, k, this.b, this.topMask, this.maxV, this.lo, (this.mask << 3) | 7, this.shift);
    out.set(u8.subarray(outOff, outOff + nw), at);
    return true;
  }

  /** Keys of 1-4 lanes in locals: sig[at+i] = 1 when absent, or idx[at+i] = window index / -1. */
  private scan4(calls: ArrayLike<number>, from: number, nw: number, sig: Uint8Array | null, idx: Int32Array | null, at: number): void {
    from |= 0; // small integers from here on: no tag checks in the loop
    nw |= 0;
    at |= 0;
    const k = this.k | 0;
    const b = this.b | 0;
    const cb = 32 - b;
    const nl = this.nl | 0;
    const top = this.topMask | 0;
    const m0 = nl === 1 ? top : -1;
    const m1 = laneMask(1, nl, top);
    const m2 = laneMask(2, nl, top);
    const m3 = laneMask(3, nl, top);
    const maxV = this.maxV >>> 0; // uint32 on both sides of x >>> 0 < maxV: an integer compare
    const lo = this.lo | 0;
    const slots = this.slots;
    const slotIdx = this.slotIdx;
    const mask = this.mask | 0;
    const shift = this.shift | 0;
    let l0 = 0;
    let l1 = 0;
    let l2 = 0;
    let l3 = 0;
    const end = nw + k - 1;
    for (let p = 0; p < end; p++) {
      const x = calls[from + p]! - lo;
      const v = x >>> 0 < maxV ? x + 1 : 0;
      l3 = ((l3 << b) | (l2 >>> cb)) & m3;
      l2 = ((l2 << b) | (l1 >>> cb)) & m2;
      l1 = ((l1 << b) | (l0 >>> cb)) & m1;
      l0 = ((l0 << b) | v) & m0;
      const i = p - k + 1;
      if (i < 0) continue;
      let found = -1;
      let s = (Math.imul(l0, 0x9e3779b1) + Math.imul(l1, 0x85ebca77) + Math.imul(l2, 0xc2b2ae3d) + Math.imul(l3, 0x27d4eb2f)) >>> shift;
      for (;;) {
        const base = s * nl;
        const a = slots[base]!;
        if (a === 0) break;
        if (a === l0 && (nl < 2 || slots[base + 1] === l1) && (nl < 3 || slots[base + 2] === l2) && (nl < 4 || slots[base + 3] === l3)) {
          found = slotIdx[s]!;
          break;
        }
        s = (s + 1) & mask;
      }
      if (sig !== null) sig[at + i] = found < 0 ? 1 : 0;
      else idx![at + i] = found;
    }
  }

  /** Generic scan (any lane count, scratch key): sig[at+i] = 1 when absent, or idx[at+i] = index / -1. */
  private scanN(calls: ArrayLike<number>, from: number, nw: number, sig: Uint8Array | null, idx: Int32Array | null, at: number): void {
    const k = this.k | 0;
    const b = this.b | 0;
    const cb = 32 - b;
    const nl = this.nl | 0;
    const top = this.topMask | 0;
    const maxV = this.maxV >>> 0;
    const lo = this.lo | 0;
    const kb = this.kb;
    kb.fill(0);
    for (let p = 0; p < nw + k - 1; p++) {
      const x = calls[from + p]! - lo;
      const v = x >>> 0 < maxV ? x + 1 : 0;
      for (let l = nl - 1; l > 0; l--) kb[l] = (kb[l]! << b) | (kb[l - 1]! >>> cb);
      kb[0] = (kb[0]! << b) | v;
      kb[nl - 1] = kb[nl - 1]! & top;
      const i = p - k + 1;
      if (i < 0) continue;
      const q = this.probe(kb);
      const found = q >= 0 ? this.slotIdx[q]! : -1;
      if (sig !== null) sig[at + i] = found < 0 ? 1 : 0;
      else idx![at + i] = found;
    }
  }
}
