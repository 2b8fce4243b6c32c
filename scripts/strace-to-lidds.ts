// Converts one `strace -f -ttt -T` recording into the LID-DS formats: a LID-DS 2021 recording zip
// (<name>.sc + <name>.json) and/or a LID-DS 2019 recording (<name>.txt plus a row appended to runs.csv).
//
//   npx tsx scripts/strace-to-lidds.ts --strace rec.strace --name NAME --uid 0 [--exploit-time T]
//       [--zip OUT/NAME.zip] [--txt OUT/NAME.txt --runs-csv OUT/runs.csv] [--image pingd]
//
// Every strace call becomes an enter event ('>', at its start) and, when it returned, an exit event ('<',
// at start + its -T duration, with `res=<return value>`); events are ordered by time (ties keep the
// order the calls were written). strace prints thread ids: a clone/clone3 with CLONE_THREAD makes the
// child a thread of the caller's process (same pid), any other clone/fork/vfork a new process. A process's
// name (sysdig's proc.name, 15 characters at most) is the base name of its last successful execve, else
// its parent's. Calls that never return (exit_group, calls cut by the process's end) have no exit event.
// The exploit time (unix seconds, recorded by the client right before the exploit) goes to the 2021 json
// as time.exploit[0].absolute. For 2019, times are written as UTC time of day, and warmup_time is chosen
// so that LID-DS's own rule (exploit = first event's second + warmup_time - 2) gives the exploit's second.
// No .res (resource statistics) or .pcap members: stidebench and the LID-DS syscall loaders do not read them.

import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

/** A deterministic zip (deflate, fixed 1980-01-01 timestamps) of the given members, in order. */
export function zipBytes(members: readonly { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const comp = deflateRawSync(m.data, { level: 9 });
    const crc = crc32(m.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // utf-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(comp.length, 18);
    local.writeUInt32LE(m.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(comp.length, 20);
    central.writeUInt32LE(m.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, comp);
    centrals.push(central, name);
    offset += 30 + name.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export interface LiddsEvent {
  ns: bigint;
  pid: number;
  tid: number;
  comm: string;
  name: string;
  dir: '>' | '<';
  params: string;
}

const LINE = /^(\d+)\s+(\d+)\.(\d{6})\s+(.*)$/;
const RESUMED = /^<\.\.\. (\w+) resumed>/;
const CALL = /^(\w+)\(/;

function nsOf(sec: string, frac6: string): bigint {
  return BigInt(sec) * 1_000_000_000n + BigInt(frac6) * 1000n;
}

function durNs(rest: string): bigint | null {
  const m = /<(\d+)\.(\d{6})>$/.exec(rest);
  return m === null ? null : nsOf(m[1]!, m[2]!);
}

function result(rest: string): string | null {
  const i = rest.lastIndexOf(') = ');
  if (i < 0) return null;
  const r = rest.slice(i + 4).split(' ')[0]!;
  return r === '?' ? null : r;
}

/** The LID-DS events of a `strace -f -ttt -T` recording, ordered by time. */
export function straceToEvents(text: string, firstComm = 'strace'): LiddsEvent[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  // Pass 1: which clones made threads.
  const threadOf = new Map<number, number>(); // child tid -> creating tid (threads only)
  const parentOf = new Map<number, number>();
  for (const l of lines) {
    const m = LINE.exec(l);
    if (m === null) continue;
    const rest = m[4]!;
    const tid = Number(m[1]);
    const resumed = RESUMED.exec(rest);
    const call = resumed?.[1] ?? CALL.exec(rest)?.[1];
    if (call !== 'clone' && call !== 'clone3' && call !== 'fork' && call !== 'vfork') continue;
    const r = result(rest);
    if (r === null || !/^\d+$/.test(r)) continue;
    parentOf.set(Number(r), tid);
  }
  // Clone flags are on the first line of a call (the unfinished one when split).
  for (const l of lines) {
    const m = LINE.exec(l);
    if (m === null) continue;
    const rest = m[4]!;
    if (!/^clone3?\(/.test(rest) || !rest.includes('CLONE_THREAD')) continue;
    const tid = Number(m[1]);
    const r = result(rest);
    if (r !== null) threadOf.set(Number(r), tid);
    else {
      // Split call: the child is the one whose parent is this tid and whose resumed clone follows.
      for (const [child, parent] of parentOf) if (parent === tid && !threadOf.has(child)) threadOf.set(child, tid);
    }
  }
  // Pass 2: events.
  const pidOf = new Map<number, number>();
  const commOf = new Map<number, string>(); // by pid
  const open = new Map<number, { ns: bigint; name: string }>();
  const events: (LiddsEvent & { order: number })[] = [];
  let order = 0;
  const who = (tid: number): { pid: number; comm: string } => {
    let pid = pidOf.get(tid);
    if (pid === undefined) {
      const parent = threadOf.get(tid) ?? parentOf.get(tid);
      const parentPid = parent !== undefined ? who(parent).pid : undefined;
      pid = threadOf.has(tid) && parentPid !== undefined ? parentPid : tid;
      pidOf.set(tid, pid);
      if (!commOf.has(pid)) commOf.set(pid, parentPid !== undefined ? commOf.get(parentPid)! : firstComm);
    }
    return { pid, comm: commOf.get(pid)! };
  };
  const push = (ns: bigint, tid: number, name: string, dir: '>' | '<', params: string): void => {
    const { pid, comm } = who(tid);
    events.push({ ns, pid, tid, comm, name, dir, params, order: order++ });
  };
  const exitOf = (tid: number, name: string, start: bigint, rest: string): void => {
    const d = durNs(rest);
    const r = result(rest);
    if (d === null || r === null) return;
    if (name === 'execve' && r === '0') {
      const arg = /^execve\("([^"]*)"/.exec(rest);
      const path = arg?.[1] ?? pendingExec.get(tid);
      if (path !== undefined) commOf.set(who(tid).pid, basename(path).slice(0, 15));
    }
    push(start + d, tid, name, '<', `res=${r}`);
  };
  const pendingExec = new Map<number, string>();
  for (const l of lines) {
    const m = LINE.exec(l);
    if (m === null) continue;
    const tid = Number(m[1]);
    const ns = nsOf(m[2]!, m[3]!);
    const rest = m[4]!;
    if (rest.startsWith('---') || rest.startsWith('+++')) continue;
    const resumed = RESUMED.exec(rest);
    if (resumed !== null) {
      const o = open.get(tid);
      if (o === undefined || o.name !== resumed[1]) continue;
      open.delete(tid);
      exitOf(tid, o.name, o.ns, rest);
      continue;
    }
    const c = CALL.exec(rest);
    if (c === null) continue;
    const name = c[1]!;
    push(ns, tid, name, '>', '');
    if (name === 'execve') {
      const arg = /^execve\("([^"]*)"/.exec(rest);
      if (arg !== null) pendingExec.set(tid, arg[1]!);
    }
    if (rest.endsWith('<unfinished ...>')) open.set(tid, { ns, name });
    else exitOf(tid, name, ns, rest);
  }
  events.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.order - b.order));
  return events.map(({ order: _o, ...e }) => e);
}

export function sc2021Lines(events: readonly LiddsEvent[], uid: number): string {
  return events.map((e) => `${e.ns} ${uid} ${e.pid} ${e.comm} ${e.tid} ${e.name} ${e.dir}${e.params ? ' ' + e.params : ''}\n`).join('');
}

function timeOfDay(ns: bigint): string {
  const day = ns % 86_400_000_000_000n;
  const s = day / 1_000_000_000n;
  const frac = (day % 1_000_000_000n).toString().padStart(9, '0');
  const hh = String(s / 3600n).padStart(2, '0');
  const mm = String((s / 60n) % 60n).padStart(2, '0');
  const ss = String(s % 60n).padStart(2, '0');
  return `${hh}:${mm}:${ss}.${frac}`;
}

export function txt2019Lines(events: readonly LiddsEvent[], uid: number): string {
  return events.map((e, i) => `${i + 1} ${timeOfDay(e.ns)} 0 ${uid} ${e.comm} ${e.tid} ${e.dir} ${e.name}${e.params ? ' ' + e.params : ''}\n`).join('');
}

function args(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]!;
    if (!k.startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${k}`);
    out.set(k.slice(2), argv[i + 1]!);
  }
  return out;
}

function main(): void {
  const a = args(process.argv.slice(2));
  const name = a.get('name');
  const strace = a.get('strace');
  if (!name || !strace) {
    process.stderr.write('usage: strace-to-lidds.ts --strace FILE --name NAME --uid N [--exploit-time T] [--zip OUT.zip] [--txt OUT.txt --runs-csv runs.csv]\n');
    process.exit(2);
  }
  const uid = Number(a.get('uid') ?? '0');
  const exploitTime = a.has('exploit-time') ? Number(a.get('exploit-time')) : null;
  const image = a.get('image') ?? 'pingd';
  const events = straceToEvents(readFileSync(strace, 'utf8'));
  if (events.length === 0) throw new Error(`${strace}: no calls`);
  const first = Number(events[0]!.ns) / 1e9;
  const last = Number(events[events.length - 1]!.ns) / 1e9;
  const zip = a.get('zip');
  if (zip) {
    const meta = {
      container: [
        { ip: '127.0.0.1', name: image, role: 'victim' },
        { ip: '127.0.0.1', name: 'client.py', role: 'normal' },
        ...(exploitTime !== null ? [{ ip: '127.0.0.1', name: 'client.py', role: 'attacker' }] : []),
      ],
      exploit: exploitTime !== null,
      exploit_name: exploitTime !== null ? 'command-injection' : '',
      image,
      recording_time: Math.round(last - first),
      time: {
        container_ready: { absolute: first, source: 'strace' },
        exploit: exploitTime !== null ? [{ absolute: exploitTime, name: 'command-injection', source: 'client.py' }] : [],
        warmup_end: { absolute: first, source: 'strace' },
      },
    };
    mkdirSync(dirname(zip), { recursive: true });
    writeFileSync(
      zip,
      zipBytes([
        { name: `${name}.json`, data: Buffer.from(JSON.stringify(meta, null, 2) + '\n') },
        { name: `${name}.sc`, data: Buffer.from(sc2021Lines(events, uid)) },
      ]),
    );
  }
  const txt = a.get('txt');
  if (txt) {
    const runs = a.get('runs-csv');
    if (!runs) throw new Error('--txt needs --runs-csv');
    mkdirSync(dirname(txt), { recursive: true });
    writeFileSync(txt, txt2019Lines(events, uid));
    if (!existsSync(runs)) writeFileSync(runs, 'image_name, scenario_name, is_executing_exploit, warmup_time, recording_time, exploit_start_time\n');
    const firstSec = Math.floor(first);
    const warmup = exploitTime !== null ? Math.floor(exploitTime) - firstSec + 2 : 2;
    const rel = exploitTime !== null ? Math.floor(exploitTime) - firstSec : -1;
    appendFileSync(runs, `${image}, ${name}, ${exploitTime !== null ? 'True' : 'False'}, ${warmup}, ${Math.round(last - first)}, ${rel}\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(basename(process.argv[1]))) main();
