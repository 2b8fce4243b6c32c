// Owns the kernel backend's eBPF program: from a trained model, the text of a bpftrace program that does
// the online detector's work (src/detectors/xenids.ts OnlineDetector) in the kernel, per thread:
//   - syscall number -> model id through the map @id (stored id + 1; absent = the model's <unknown> id,
//     the same id user space gives every call outside the vocabulary);
//   - rolling window key: the last k ids packed into one 64-bit integer (B = floor(63 / k) bits each),
//     and a second key of the raw syscall numbers (9 bits each, k <= 7) so an alarm can name the real
//     calls, also those outside the vocabulary;
//   - database membership by lookup of the key in the map @db (one entry per distinct training window);
//   - locality frame over the last `frame` windows as two 64-bit masks (frames up to 128) with a running
//     count: window w goes to bit w mod frame, the bit it replaces leaves the count;
//   - the buffer (not the frame) reset on the model's reset calls (execve, execveat, vfork), then the
//     reset call starts the new buffer: exactly OnlineDetector.push;
//   - alarms rate limited like Watcher (first, then one per `frame` windows), printed as one line; an
//     optional stop/kill sent by the kernel itself to the task making the offending call (bpf_send_signal,
//     bpftrace --unsafe), only inside the scope filter and never to pid <= 1 or watch itself;
//   - per-thread final counts printed when a thread ends, totals per second, and END dumps the counts of
//     threads still alive. Nothing per call leaves the kernel.
//
// Lines (parsed by ./kernel-watch.ts):
//   A tid pid window event lfc key raw ns t0 comm  alarm (key/raw as decimal int64; ns: CLOCK_MONOTONIC
//                                                  of the call, t0: of the thread's first call)
//   E tid events windows mismatches alarms firstAlarmWindow+1    thread ended
//   @nev: N / @nmis: N                            totals (per second, and at the end)
//   @ev[tid]: N, @win[tid]: N, ...                END: threads still alive

import { InputError } from '../errors.js';
import type { SyscallTable } from '../traces/trace.js';
import { READY, scopeParts, type BpfScope } from './bpftrace.js';
import type { SavedModel } from './model-file.js';
import { unionWindowSet } from '../detectors/scope.js';
import { WindowSet } from '../detectors/window-set.js';

export const RAW_BITS = 9;

export interface KernelProgramOptions {
  frame: number;
  minLfc: number;
  scope: BpfScope;
  action: 'report' | 'stop' | 'kill';
  /** Syscall numbering of the kernel (x86_64). */
  table: SyscallTable;
  /** Highest syscall number mapped. */
  maxNr?: number;
  /** watch's own pid: never signalled. */
  ownPid: number;
}

export interface KernelProgram {
  text: string;
  k: number;
  bits: number;
  /** Whether alarms carry the raw numbers (k * 9 <= 63). */
  rawKey: boolean;
  unknownId: number;
  dbSize: number;
  /** Map size needed (BPFTRACE_MAP_KEYS_MAX). */
  mapKeys: number;
}

/** Bits per id in the 64-bit window key. */
export function keyBits(k: number): number {
  return Math.floor(63 / k);
}

/** Packs a window of ids (oldest first) the way the kernel program does. */
export function packKey(ids: ArrayLike<number>, bits: number): bigint {
  let key = 0n;
  for (let j = 0; j < ids.length; j++) key = (key << BigInt(bits)) | BigInt(ids[j]!);
  return key;
}

/** Unpacks a key into k values of `bits` bits, oldest first. */
export function unpackKey(key: bigint, k: number, bits: number): number[] {
  const out: number[] = new Array<number>(k);
  const mask = (1n << BigInt(bits)) - 1n;
  for (let j = k - 1; j >= 0; j--) {
    out[j] = Number(key & mask);
    key >>= BigInt(bits);
  }
  return out;
}

/**
 * The windows the kernel program looks up: models whose online form is exact membership in window sets
 * (a `db` WindowSet, or `dbs` of WindowSets, unioned like the user-space watch). Others (e.g. Hamming
 * distance) cannot be a map lookup: an InputError says so.
 */
export function kernelWindows(model: SavedModel): WindowSet {
  const d = model.detector as unknown as { db?: unknown; dbs?: unknown };
  if (d.db instanceof WindowSet) return d.db;
  if (d.dbs instanceof Map && [...d.dbs.values()].every((x) => x instanceof WindowSet)) {
    return unionWindowSet(model.config.k, (d.dbs as Map<string, WindowSet>).values());
  }
  throw new InputError(`the kernel backend tests windows by exact lookup; a ${model.config.kind} model cannot run there`, {
    expected: 'a stide or xenids model, or --backend strace|bpftrace',
  });
}

export function kernelProgram(model: SavedModel, opts: KernelProgramOptions): KernelProgram {
  const k = model.config.k;
  const bits = keyBits(k);
  const names = model.alphabet.allNames();
  const unknownId = model.alphabet.idOf('<unknown>');
  if (unknownId === undefined) throw new InputError('the model has no <unknown> id (a model file from an old version?)');
  if (names.length > 2 ** bits) {
    throw new InputError(`the kernel backend packs k = ${k} ids into 63 bits (${bits} bits each), but the model has ${names.length} syscall names`, {
      expected: `a model with at most ${2 ** bits} names, or a smaller k`,
    });
  }
  if (opts.frame > 128) throw new InputError(`--frame ${opts.frame}: the kernel backend keeps frames of up to 128 windows`, { expected: '--frame <= 128' });
  const rawKey = k * RAW_BITS <= 63;
  const kmask = (1n << BigInt(bits * k)) - 1n;
  const rmask = (1n << BigInt(RAW_BITS * k)) - 1n;

  // syscall number -> model id + 1 (absent: unknown).
  const maxNr = opts.maxNr ?? 511;
  const idLines: string[] = [];
  for (let nr = 0; nr <= maxNr; nr++) {
    const id = model.alphabet.idOf(opts.table.name(nr));
    if (id !== undefined && id !== unknownId) idLines.push(`@id[${nr}] = ${id + 1};`);
  }
  const resetIds = model.config.resetOn.map((n) => model.alphabet.idOf(n)).filter((x): x is number => x !== undefined && x !== unknownId);

  const db = kernelWindows(model);
  const { windows } = db.export();
  const dbLines: string[] = [];
  for (let i = 0; i + k <= windows.length; i += k) dbLines.push(`@db[${packKey(windows.subarray(i, i + k), bits)}] = 1;`);

  const s = scopeParts(opts.scope);
  const F = opts.frame;
  const reset =
    resetIds.length > 0 ? `if (${resetIds.map((r) => `$id == ${r}`).join(' || ')}) { @fill[tid] = 0; @key[tid] = 0;${rawKey ? ' @raw[tid] = 0;' : ''} }` : '';
  const act =
    opts.action === 'report'
      ? ''
      : `if ($last == 0 && pid > 1 && pid != ${opts.ownPid | 0}) { signal("${opts.action === 'stop' ? 'SIGSTOP' : 'SIGKILL'}"); }`;
  const frameUpdate =
    F <= 64
      ? `$m = @fa[tid]; $old = ($m >> $pos) & 1; @fa[tid] = ($m & ~(1 << $pos)) | ($miss << $pos);`
      : `if ($pos < 64) { $m = @fa[tid]; $old = ($m >> $pos) & 1; @fa[tid] = ($m & ~(1 << $pos)) | ($miss << $pos); } ` +
        `else { $p2 = $pos - 64; $m2 = @fb[tid]; $old = ($m2 >> $p2) & 1; @fb[tid] = ($m2 & ~(1 << $p2)) | ($miss << $p2); }`;
  const perThread = ['@ev', '@t0', '@fill', '@key', ...(rawKey ? ['@raw'] : []), '@win', '@fa', ...(F > 64 ? ['@fb'] : []), '@lfc', '@mis', '@al', '@rep', '@fa1'];
  const text = [
    `BEGIN {`,
    `  ${s.begin}`,
    ...idLines.map((l) => '  ' + l),
    ...dbLines.map((l) => '  ' + l),
    `  printf("${READY}\\n");`,
    `}`,
    s.probes,
    `tracepoint:raw_syscalls:sys_enter /${s.filter}/ {`,
    `  $nr = args->id;`,
    `  $v = @id[$nr];`,
    `  $id = ${unknownId};`,
    `  if ($v > 0) { $id = $v - 1; }`,
    `  @nev = count();`,
    `  $ev = @ev[tid] + 1;`,
    `  @ev[tid] = $ev;`,
    `  if ($ev == 1) { @t0[tid] = nsecs; }`,
    `  ${reset}`,
    `  $key = ((@key[tid] << ${bits}) | $id) & ${kmask};`,
    `  @key[tid] = $key;`,
    rawKey ? `  $raw = ((@raw[tid] << ${RAW_BITS}) | ($nr & ${(1 << RAW_BITS) - 1})) & ${rmask};` : `  $raw = 0;`,
    rawKey ? `  @raw[tid] = $raw;` : '',
    `  $f = @fill[tid];`,
    `  if ($f < ${k - 1}) { @fill[tid] = $f + 1; }`,
    `  else {`,
    `    @fill[tid] = ${k - 1};`,
    `    $w = @win[tid];`,
    `    @win[tid] = $w + 1;`,
    `    $miss = 1;`,
    `    if (@db[$key]) { $miss = 0; }`,
    `    $pos = $w % ${F};`,
    `    $old = 0;`,
    `    ${frameUpdate}`,
    `    $lfc = @lfc[tid] + $miss - $old;`,
    `    @lfc[tid] = $lfc;`,
    `    if ($miss) { @mis[tid] = @mis[tid] + 1; @nmis = count(); }`,
    `    if ($lfc >= ${opts.minLfc}) {`,
    `      @al[tid] = @al[tid] + 1;`,
    `      $last = @rep[tid];`,
    `      if ($last == 0) { @fa1[tid] = $w + 1; }`,
    `      if ($last == 0 || $w + 1 - $last >= ${F}) {`,
    `        @rep[tid] = $w + 1;`,
    `        printf("A %d %d %d %d %d %lld %lld %lld %lld %s\\n", tid, pid, $w, $ev - 1, $lfc, $key, $raw, nsecs, @t0[tid], comm);`,
    `        ${act}`,
    `      }`,
    `    }`,
    `  }`,
    `}`,
    `tracepoint:sched:sched_process_exit /${s.exitFilter}/ {`,
    `  if (@ev[tid] > 0) { printf("E %d %d %d %d %d %d\\n", tid, @ev[tid], @win[tid], @mis[tid], @al[tid], @fa1[tid]); }`,
    `  ${perThread.map((m) => `delete(${m}[tid]);`).join(' ')}`,
    opts.scope.kind === 'tasks' ? `  delete(@t[tid]);` : '',
    `}`,
    `interval:s:1 { print(@nev); print(@nmis); }`,
    `END {`,
    `  print(@nev); print(@nmis); ${opts.scope.kind === 'tasks' ? 'print(@mapfull);' : ''}`,
    `  print(@ev); print(@win); print(@mis); print(@al); print(@fa1);`,
    `  clear(@id); clear(@db); ${perThread.map((m) => `clear(${m});`).join(' ')} ${opts.scope.kind === 'tasks' ? 'clear(@t);' : ''}`,
    `  clear(@nev); clear(@nmis); ${opts.scope.kind === 'tasks' ? 'clear(@mapfull);' : ''}`,
    `}`,
  ]
    .filter((l) => l !== '')
    .join('\n');
  const dbSize = dbLines.length;
  let mapKeys = 16384;
  while (mapKeys < dbSize + 1) mapKeys *= 2;
  return { text, k, bits, rawKey, unknownId, dbSize, mapKeys };
}
