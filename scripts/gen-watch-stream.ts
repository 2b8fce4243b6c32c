// Generates an endless-stream test for `stidebench watch --input -` (issue 14: watch memory must be
// bounded by the live processes, not by how many have ended). Deterministic (a fixed LCG), strace
// format on stdout:
//
//   npx tsx scripts/gen-watch-stream.ts train > train.strace      # one long normal process
//   npx tsx scripts/gen-watch-stream.ts 200000 | stidebench watch --model m.model --input - ...
//
// The stream is one parent (pid 1000) that forks N short children one after another (pids 1001.. wrap
// at 4,000,000, as pid_max does); each child makes 12 calls drawn from the normal patterns and exits,
// and every 10th child instead makes 30 calls in random order, which alarms at frame 20 / LFC >= 6.
// At most 4 children are alive at a time (a child exits 3 children after it started).

import { Writable } from 'node:stream';

const NAMES = ['read', 'write', 'openat', 'close', 'fstat', 'mmap', 'munmap', 'brk', 'rt_sigaction', 'getpid', 'lseek', 'ioctl', 'poll', 'sendto', 'recvfrom', 'futex'];
/** Normal call patterns (what `train` sees); children follow one of them. */
const PATTERNS = [
  ['openat', 'fstat', 'read', 'read', 'close', 'write', 'getpid', 'brk', 'mmap', 'munmap', 'write', 'close'],
  ['brk', 'mmap', 'openat', 'fstat', 'mmap', 'close', 'rt_sigaction', 'read', 'write', 'write', 'munmap', 'close'],
  ['poll', 'recvfrom', 'sendto', 'poll', 'recvfrom', 'sendto', 'getpid', 'write', 'lseek', 'read', 'ioctl', 'close'],
];

let x = 14;
function rand(n: number): number {
  x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
  return x % n;
}

const out = process.stdout as Writable;
out.on('error', () => process.exit(0)); // the reader went away (e.g. piped into head)
let buf = '';
async function emit(line: string): Promise<void> {
  buf += line + '\n';
  if (buf.length > 1 << 16) {
    const chunk = buf;
    buf = '';
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
}

async function main(): Promise<void> {
  const arg = process.argv[2] ?? '';
  if (arg === 'train') {
    // Each pattern several times in one process, so every window across pattern boundaries is normal too.
    for (let r = 0; r < 50; r++) for (const p of PATTERNS) for (const n of p) await emit(`1000  ${n}() = 0`);
    await emit('1000  +++ exited with 0 +++');
  } else {
    const n = Number(arg);
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write('usage: gen-watch-stream.ts (train | NUMBER_OF_CHILDREN)\n');
      process.exit(2);
    }
    const parent = 1000;
    const live: { pid: number; calls: string[] }[] = [];
    let next = 1001;
    await emit(`${parent}  execve("/usr/bin/srv", ["srv"], 0x7ffc /* 1 var */) = 0`);
    for (let i = 0; i < n; i++) {
      const pid = next;
      next = next >= 4_000_000 ? 1001 : next + 1;
      await emit(`${parent}  clone(child_stack=NULL, flags=CLONE_CHILD_SETTID|SIGCHLD) = ${pid}`);
      const calls = i % 10 === 9 ? Array.from({ length: 30 }, () => NAMES[rand(NAMES.length)]!) : [...PATTERNS[rand(PATTERNS.length)]!];
      live.push({ pid, calls });
      // Interleave the live children's calls, then end the oldest once four are alive.
      for (const c of live) {
        const take = c.calls.splice(0, Math.max(1, Math.ceil(c.calls.length / 3)));
        for (const name of take) await emit(`${c.pid}  ${name}() = 0`);
      }
      if (live.length >= 4) {
        const c = live.shift()!;
        for (const name of c.calls) await emit(`${c.pid}  ${name}() = 0`);
        await emit(`${c.pid}  +++ exited with 0 +++`);
      }
    }
    for (const c of live) {
      for (const name of c.calls) await emit(`${c.pid}  ${name}() = 0`);
      await emit(`${c.pid}  +++ exited with 0 +++`);
    }
    await emit(`${parent}  +++ exited with 0 +++`);
  }
  out.write(buf);
}

await main();
