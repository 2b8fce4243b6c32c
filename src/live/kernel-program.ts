// Owns what the kernel backend loads from a trained model: the configuration read by the libbpf loader
// (bpf/stide-loader.c) for the eBPF program bpf/stide.bpf.c, which does the online detector's work
// (src/live/online.ts OnlineDetector.push) in the kernel, per thread:
//   - syscall number -> model id through the array `ids` ("id NR VALUE": VALUE = id + 1, bit 16 set for
//     the model's reset calls; absent = the model's <unknown> id, the id user space gives every call
//     outside the vocabulary);
//   - rolling window key: the last k ids packed into one 64-bit integer (B = floor(63 / k) bits each);
//   - database membership by lookup of the key in the hash `db` ("db KEY": one per distinct training
//     window);
//   - locality frame over the last `frame` windows (up to 1024) as a bitmask with a running count;
//   - threshold as the smallest alarming LFC (count or ratio policy, via minAlarmLfc);
//   - the scope: "tid T" (a task and everything it forks from then on), "prelude T" (a launcher whose
//     calls before its exec are not the command's), or "cgroup PATH";
//   - stop/kill: the signal number the kernel sends at the first alarm of a task (0: report only).
// Alarms carry the real syscall numbers of the window (a ring of the last 16 calls), so they name calls
// the model never saw; k is therefore at most 16.

import { InputError } from '../errors.js';
import type { SyscallTable } from '../traces/trace.js';
import type { SavedModel } from './model-file.js';
import { unionWindowSet } from '../detectors/scope.js';
import { WindowSet } from '../detectors/window-set.js';
import { resetMask } from '../detectors/xenids.js';

/** Largest k (the ring of raw calls in bpf/stide.bpf.c) and frame (its bitmask). */
export const KERNEL_MAX_K = 16;
export const KERNEL_MAX_FRAME = 1024;
/** Syscall numbers mapped by the id array; higher numbers get the <unknown> id. */
export const KERNEL_NR_IDS = 512;
const RESET_FLAG = 1 << 16;

/** Which tasks the kernel program watches. */
export type KernelScope =
  /** These tasks (and every task they fork from then on); `prelude`: the launcher of `watch -- CMD`. */
  | { kind: 'tasks'; tids: number[]; prelude?: number }
  /** Every task of the cgroup (v2) at this path. */
  | { kind: 'cgroup'; path: string };

export interface KernelProgramOptions {
  frame: number;
  minLfc: number;
  scope: KernelScope;
  action: 'report' | 'stop' | 'kill';
  /** Syscall numbering of the kernel (x86_64). */
  table: SyscallTable;
  /** watch's own pid: never signalled. */
  ownPid: number;
}

export interface KernelProgram {
  /** The loader's configuration (stdin of bpf/stide-loader.c). */
  config: string;
  k: number;
  bits: number;
  unknownId: number;
  dbSize: number;
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

export function kernelProgram(model: SavedModel, opts: KernelProgramOptions, resetOn: readonly string[] = model.config.resetOn): KernelProgram {
  const k = model.config.k;
  if (k > KERNEL_MAX_K) {
    throw new InputError(`the kernel backend keeps windows of up to ${KERNEL_MAX_K} calls, but the model has k = ${k}`, { expected: `k <= ${KERNEL_MAX_K}, or --backend strace|bpftrace` });
  }
  const bits = keyBits(k);
  const names = model.alphabet.allNames();
  const unknownId = model.alphabet.idOf('<unknown>');
  if (unknownId === undefined) throw new InputError('the model has no <unknown> id (a model file from an old version?)');
  if (names.length > 2 ** bits) {
    throw new InputError(`the kernel backend packs k = ${k} ids into 63 bits (${bits} bits each), but the model has ${names.length} syscall names`, {
      expected: `a model with at most ${2 ** bits} names, or a smaller k`,
    });
  }
  if (opts.frame > KERNEL_MAX_FRAME) {
    throw new InputError(`--frame ${opts.frame}: the kernel backend keeps frames of up to ${KERNEL_MAX_FRAME} windows`, { expected: `--frame <= ${KERNEL_MAX_FRAME}` });
  }
  const kmask = (1n << BigInt(bits * k)) - 1n;
  const signal = opts.action === 'stop' ? 19 : opts.action === 'kill' ? 9 : 0;
  const lines = [`k ${k}`, `bits ${bits}`, `kmask ${kmask}`, `frame ${opts.frame}`, `minlfc ${opts.minLfc}`, `signal ${signal}`, `ownpid ${opts.ownPid | 0}`, `unknown ${unknownId}`];

  // syscall number -> model id + 1 (0: unknown), bit 16 on the ids that reset (the user-space mask: a
  // reset call the model never saw has the <unknown> id there and resets nothing).
  const reset = resetMask(model.alphabet, resetOn);
  for (let nr = 0; nr < KERNEL_NR_IDS; nr++) {
    const id = model.alphabet.idOf(opts.table.name(nr));
    if (id === undefined || id === unknownId) continue;
    lines.push(`id ${nr} ${(id + 1) | (reset[id] === 1 ? RESET_FLAG : 0)}`);
  }

  const { windows } = kernelWindows(model).export();
  let dbSize = 0;
  for (let i = 0; i + k <= windows.length; i += k) {
    lines.push(`db ${packKey(windows.subarray(i, i + k), bits)}`);
    dbSize++;
  }

  if (opts.scope.kind === 'cgroup') lines.push(`cgroup ${opts.scope.path}`);
  else {
    if (opts.scope.prelude !== undefined) lines.push(`prelude ${opts.scope.prelude | 0}`);
    for (const t of opts.scope.tids) if (t !== opts.scope.prelude) lines.push(`tid ${t | 0}`);
  }
  return { config: lines.join('\n') + '\n', k, bits, unknownId, dbSize };
}
