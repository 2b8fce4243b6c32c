// Forged kills: a watched program tries to write fake strace lines into watch's event channel, naming
// an unrelated process (and pids 0 and 1), so that `--on-alarm kill` would SIGKILL it. The channel has
// no path now and the command does not inherit it, but a same-user program can still reach the
// tracer's descriptors through /proc/$PPID/fd — so the real guarantee is tested here: whatever lines
// arrive, watch signals only pids that its own strace traces (kernel TracerPid) and that the stream
// showed created by the watched command; never pid <= 1, never anything outside the watched tree.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countThreshold } from '../../src/eval/threshold.js';
import { loadModel, saveModel, trainFromFiles, type SavedModel } from '../../src/live/model-file.js';
import { record } from '../../src/live/record.js';
import { tracedBy, watch } from '../../src/live/watch.js';

const dir = mkdtempSync(join(tmpdir(), 'stidebench-forge-'));
let model: SavedModel;
let victim: ChildProcess;

// The attacker: learns what it can of the channel and writes 200 forged calls for the victim pid
// (plus a forged clone claiming the victim as its child, and forged calls of pids 0 and 1) through
// every route it finds: a path in strace's argv, an inherited fd 3, and strace's descriptors in /proc.
const ATTACK = `
trap "" PIPE
victim="$1"; mode="$2"
# strace writes its own line for each write(2) of ours around our bytes, so each forged line starts with
# a newline of its own to stand on a line by itself.
line() { printf '\\n%s 1700000000.000001 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3\\n' "$1"; }
forge() {
  printf '\\n%s 1700000000.000000 clone(child_stack=NULL, flags=CLONE_CHILD_SETTID|SIGCHLD) = %s\\n' "$$" "$victim"
  i=0; while [ $i -lt 200 ]; do line "$victim"; line 0; line 1; i=$((i+1)); done
}
tried=""
# Both modes take the same steps; only the attack mode writes to what it finds.
dest() { if [ "$mode" = attack ]; then echo "$1"; else echo /dev/null; fi; }
out=$(tr '\\0' ' ' < /proc/$PPID/cmdline | sed -n 's/.* -o \\([^ ]*\\).*/\\1/p')
if [ -n "$out" ] && [ -e "$out" ]; then forge > "$(dest "$out")" 2>/dev/null && tried="$tried argv-path"; fi
# A subshell: a failed redirection must not end the script. fd 3 exists only if it was inherited.
if ( forge >&3 ) 2>/dev/null; then tried="$tried inherited-fd3"; fi
for f in /proc/$PPID/fd/*; do
  if [ -p "$f" ]; then forge > "$(dest "$f")" 2>/dev/null && tried="$tried proc-fd"; fi
done
echo "routes:$tried" > "$3"
`;

function sink(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}

beforeAll(async () => {
  writeFileSync(join(dir, 'attack.sh'), ATTACK);
  victim = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  const recs = join(dir, 'recs');
  mkdirSync(recs);
  // Train on the script's own harmless mode, so its real calls look normal.
  for (let i = 0; i < 3; i++) {
    const r = await record({ output: join(recs, `run-${i}.strace`), command: ['/bin/sh', join(dir, 'attack.sh'), '999999', 'train', join(dir, 'routes')], stdio: 'ignore' });
    expect(r.exitStatus).toBe(0);
  }
  const trained = trainFromFiles({ data: [recs], detector: 'xenids', k: 6 });
  saveModel(join(dir, 'm.model'), trained.model);
  model = loadModel(join(dir, 'm.model'));
}, 60_000);

afterAll(() => {
  try {
    process.kill(victim.pid!, 'SIGKILL');
  } catch {
    // already gone: the assertion below reports it
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('watch --on-alarm kill with forged events', () => {
  it('never signals a process outside the watched tree, nor pid 0 or 1', async () => {
    const routes = join(dir, 'routes-live');
    const r = await watch(
      model,
      { kind: 'command', argv: ['/bin/sh', join(dir, 'attack.sh'), String(victim.pid), 'attack', routes] },
      { frame: 20, policy: countThreshold(20), onAlarm: 'kill', out: sink(), stdio: 'ignore', keepReports: true },
    );
    if (process.env.FORGE_DEBUG) console.log(r.reports.filter((x) => x.pid === victim.pid || x.pid <= 1).slice(0, 3));
    // The victim is alive: signal 0 only checks that it exists.
    expect(() => process.kill(victim.pid!, 0)).not.toThrow();
    const tried = readFileSync(routes, 'utf8');
    // No path in strace's argv leads to the channel, and the command did not inherit it.
    expect(tried).not.toMatch(/argv-path|inherited-fd3/);
    // As root the /proc route always reaches strace's descriptors: the forged alarms must be seen.
    if (process.getuid?.() === 0) expect(tried).toMatch(/proc-fd/);
    if (/proc-fd/.test(tried)) {
      // The /proc route reached the channel: the forged alarms were seen, and every action on them refused.
      const forged = r.reports.filter((x) => x.pid === victim.pid || x.pid <= 1);
      expect(forged.length).toBeGreaterThan(0);
      for (const x of forged) {
        if (x.action !== 'none') expect(x.action).toBe('refused');
      }
      expect(forged.some((x) => x.action === 'refused')).toBe(true);
    }
    expect(r.reports.filter((x) => x.action === 'killed').every((x) => x.pid !== victim.pid && x.pid > 1)).toBe(true);
  }, 60_000);

  it('tracedBy refuses pids that our tracer does not trace', () => {
    const guard = tracedBy(process.pid); // we trace nobody
    expect(guard(victim.pid!)).toMatch(/not traced by this watch/);
    expect(guard(process.pid)).toMatch(/that is the tracer/);
    expect(guard(2 ** 22 + 12345)).toMatch(/no longer exists|not traced/);
    expect(tracedBy(undefined)(victim.pid!)).toMatch(/no live tracer/);
  });
});
