// Tests the live event stream (src/live/stream.ts) and the watch detector loop (src/live/watch.ts) on
// real strace captures: lines split at every byte position give the same events, process ends are
// reported, programs come from execve, and the buffer reset on exec means no window spans an exec.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WindowSet } from '../../src/detectors/window-set.js';
import { XenidsModel } from '../../src/detectors/xenids.js';
import { saveDetector } from '../../src/detectors/registry.js';
import { InputError } from '../../src/errors.js';
import { ratioThreshold, countThreshold } from '../../src/eval/threshold.js';
import { trainFromFiles, type SavedModel } from '../../src/live/model-file.js';
import { EventDecoder, LineSplitter, type EventSink } from '../../src/live/stream.js';
import { EXIT_ALARM, EXIT_LOST, Watcher, watch, watchStatus, type WatchSummary } from '../../src/live/watch.js';
import { Alphabet } from '../../src/traces/alphabet.js';
import { parseStrace } from '../../src/traces/readers/strace.js';

const FIX = join(import.meta.dirname, '../fixtures/strace-real');

class Collect implements EventSink {
  log: string[] = [];
  event(pid: number, id: number, ts: number): void {
    this.log.push(`${pid}:${id}${Number.isNaN(ts) ? '' : '@' + ts}`);
  }
  exit(pid: number): void {
    this.log.push(`exit:${pid}`);
  }
}

function sink(): { out: Writable; text: () => string } {
  let buf = '';
  const out = new Writable({
    write(chunk, _enc, cb) {
      buf += String(chunk);
      cb();
    },
  });
  return { out, text: () => buf };
}

const alphabetOf = (text: string): Alphabet => {
  const a = new Alphabet();
  for (const m of text.matchAll(/^(?:\d+\s+)?(?:[\d.]+\s+)?(?:\[\s*\d+\]\s*)?([a-z_0-9]+)\(/gm)) a.intern(m[1]!);
  a.freeze();
  return a;
};

describe('LineSplitter', () => {
  it('gives the same lines for every split of a chunk, with a final line without newline and CRLF', () => {
    const text = 'one\ntwo\r\n\nthree four\nlast';
    const want = ['one', 'two', '', 'three four', 'last'];
    const bytes = Buffer.from(text);
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b++) {
        const s = new LineSplitter();
        const got: string[] = [];
        const on = (l: string): void => void got.push(l);
        s.push(bytes.subarray(0, a), on);
        s.push(bytes.subarray(a, b), on);
        s.push(bytes.subarray(b), on);
        s.end(on);
        expect(got).toEqual(want);
      }
    }
  });
});

describe('EventDecoder', () => {
  for (const fixture of ['sh-pipe-f.strace', 'sh-pipe-f-ttt.strace', 'sh-pipe-f-n.strace', 'sh-pipe-f-qq.strace', 'sh-killed-f.strace', 'ls-nofork.strace']) {
    it(`${fixture}: events are identical however the bytes are chunked, and match the file reader`, () => {
      const bytes = readFileSync(join(FIX, fixture));
      const text = bytes.toString('latin1');
      const alphabet = alphabetOf(text);
      const run = (chunks: Uint8Array[]): string[] => {
        const c = new Collect();
        const d = new EventDecoder(alphabet, c, { file: fixture });
        for (const ch of chunks) d.push(ch);
        d.end();
        return c.log;
      };
      const whole = run([bytes]);
      expect(whole.length).toBeGreaterThan(20);
      // One byte per chunk: every byte position is a split point at once.
      const single: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i++) single.push(bytes.subarray(i, i + 1));
      expect(run(single)).toEqual(whole);
      // Two chunks, split at every byte position (first 2 KiB, then every 13th byte to stay fast).
      for (let cut = 1; cut < bytes.length; cut += cut < 2048 ? 1 : 13) {
        const got = run([bytes.subarray(0, cut), bytes.subarray(cut)]);
        if (got.join() !== whole.join()) expect(got, `split at byte ${cut}`).toEqual(whole);
      }
      // Without the final newline the last line still counts.
      if (bytes[bytes.length - 1] === 10) expect(run([bytes.subarray(0, bytes.length - 1)])).toEqual(whole);
      // Same calls per pid as the file reader (which counts an <unfinished ...> call once, too).
      const perPid = new Map<number, string[]>();
      for (const e of whole) {
        if (e.startsWith('exit:')) continue;
        const [pid, rest] = e.split(':') as [string, string];
        const id = Number(rest.split('@')[0]);
        const list = perPid.get(Number(pid)) ?? [];
        list.push(alphabet.nameOf(id));
        perPid.set(Number(pid), list);
      }
      const r = parseStrace(text, fixture, { dataset: 't', source: fixture, label: 'normal', program: 'sh', family: null, intrusion: null });
      for (const t of r.traces) {
        expect(perPid.get(t.pid ?? 0)).toEqual(Array.from(t.calls, (n) => t.table.name(n)));
      }
    });
  }

  it('reports process ends (+++ exited / +++ killed) and keeps timestamps', () => {
    const c = new Collect();
    const bytes = readFileSync(join(FIX, 'sh-pipe-f-ttt.strace'));
    const d = new EventDecoder(alphabetOf(bytes.toString('latin1')), c);
    d.push(bytes);
    d.end();
    expect(c.log.filter((e) => e.startsWith('exit:'))).toHaveLength(3);
    expect(c.log[0]).toMatch(/^\d+:\d+@\d{10}\.\d+$/);
    const k = new Collect();
    const kb = readFileSync(join(FIX, 'sh-killed-f.strace'));
    const kd = new EventDecoder(alphabetOf(kb.toString('latin1')), k);
    kd.push(kb);
    kd.end();
    expect(k.log.at(-1)).toMatch(/^exit:\d+$/);
  });

  it('names programs from execve and passes them to forked children', () => {
    const bytes = readFileSync(join(FIX, 'sh-pipe-f.strace'));
    const text = bytes.toString('latin1');
    const pids = [...new Set([...text.matchAll(/^(\d+) /gm)].map((m) => Number(m[1])))];
    const d = new EventDecoder(alphabetOf(text), { event: () => {}, exit: () => {} });
    // Feed everything but the exit lines, so the names are still known at the end.
    for (const line of text.split('\n')) if (!line.includes('+++')) d.line(line);
    const execs = new Map([...text.matchAll(/^(\d+) +execve\("[^"]*\/([^/"]+)", .*\) = 0$/gm)].map((m) => [Number(m[1]), m[2]!]));
    expect(pids.length).toBe(3);
    expect(execs.size).toBe(3); // sh, and one exec in each forked child (e.g. cat and wc)
    for (const p of pids) expect(d.programOf(p)).toBe(execs.get(p));
  });

  it('decodes UNM / bpftrace "pid number" lines through a table, unknown names to <unknown>', () => {
    const a = Alphabet.fromNames(['read', 'write', 'execve']);
    a.freeze();
    const c = new Collect();
    const d = new EventDecoder(a, c);
    d.push('12 0\n12  1\n7\t59 \n12 2');
    d.end();
    expect(c.log).toEqual([`12:0`, `12:1`, `7:2`, `12:${a.idOf('<unknown>')}`]); // 2 = open: not in the model
    const bad = new EventDecoder(a, c, { format: 'unm', file: 'f.int' });
    expect(() => bad.line('12 x')).toThrow(InputError);
    expect(() => bad.line('12 x')).toThrow(/f\.int:2: not a "pid number" line/);
  });
});

describe('watch loop', () => {
  /** A tiny model by hand: alphabet + one shared DB of given windows. */
  function handModel(names: string[], windows: string[][], resetOn: string[]): SavedModel {
    const a = Alphabet.fromNames(names);
    a.freeze();
    const k = windows[0]!.length;
    const db = new WindowSet(k);
    for (const w of windows) db.add(Int32Array.from(w, (n) => a.idOf(n)!));
    const config = { kind: 'xenids', scope: 'shared' as const, k, resetOn };
    return {
      config,
      params: {},
      alphabet: a,
      detector: new XenidsModel(config, db),
      training: { data: [], format: 'test', files: 0, skippedFiles: 0, traces: 0, calls: 0, tracesPerProgram: {}, createdAt: '' },
    };
  }

  it('an execve clears the buffer: no window spans the exec (and without the reset one would)', () => {
    const names = ['a', 'b', 'c', 'execve', 'd', 'e'];
    // The DB knows the pre-exec window and the post-exec window only.
    const windows = [['a', 'b', 'c'], ['execve', 'd', 'e']];
    const feed = (m: SavedModel): Watcher => {
      const w = new Watcher(m, { frame: 10, policy: countThreshold(1), out: sink().out });
      for (const n of ['a', 'b', 'c', 'execve', 'd', 'e']) w.event(42, m.alphabet.idOf(n)!, NaN);
      return w;
    };
    const withReset = feed(handModel(names, windows, ['execve']));
    const s = withReset.detector.get(0, 42)!;
    expect(s.windows).toBe(2); // abc, then (execve d e): b,c,execve and c,execve,d are never formed
    expect(s.mismatches).toBe(0);
    expect(withReset.finish().alarms).toBe(0);
    const noReset = feed(handModel(names, windows, []));
    expect(noReset.detector.get(0, 42)!.windows).toBe(4);
    expect(noReset.detector.get(0, 42)!.mismatches).toBe(2);
  });

  it('on a real capture: a xenids model trained on it sees no mismatch, and no window across a child exec is in the DB', async () => {
    const file = join(FIX, 'sh-pipe-f.strace');
    const { model } = trainFromFiles({ data: [file], detector: 'xenids', k: 6 });
    const o = sink();
    const r = await watch(model, { kind: 'input', path: file }, { frame: 20, policy: countThreshold(1), out: o.out, keepReports: true });
    expect(r.summary.mismatches).toBe(0);
    expect(r.summary.processes).toBe(3);
    // With the reset, execve can only ever be the first call of a stored window; the same data
    // trained without resets (plain stide) does store windows that run across an exec.
    const execPositions = (m: SavedModel): number[] => {
      const ex = m.alphabet.idOf('execve')!;
      const pos = new Set<number>();
      for (const [i, windows] of saveDetector(m.detector).arrays.entries()) {
        if (i % 2 === 1) continue; // window sets are saved as (windows, counts) pairs
        for (let i = 0; i < windows.length; i++) if (windows[i] === ex) pos.add(i % m.config.k);
      }
      return [...pos].sort();
    };
    expect(execPositions(model)).toEqual([0]);
    const plain = trainFromFiles({ data: [file], detector: 'stide', scope: 'shared', k: 6 }).model;
    expect(execPositions(plain).some((p) => p > 0)).toBe(true);
  });

  it('rate-limits reports: the first alarm, then at most one per frame windows; JSON lines', async () => {
    const m = handModel(['a', 'b', 'x'], [['a', 'b']], []);
    const o = sink();
    const w = new Watcher(m, { frame: 10, policy: ratioThreshold(0.15), json: true, out: o.out, keepReports: true });
    const x = m.alphabet.idOf('x')!;
    for (let i = 0; i < 100; i++) w.event(5, x, NaN); // 99 windows, all mismatches
    const lines = o.text().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.window)).toEqual([1, 11, 21, 31, 41, 51, 61, 71, 81, 91]);
    expect(lines[0]).toMatchObject({ type: 'alarm', pid: 5, lfc: 2, frame: 10, sequence: ['x', 'x'], first: true });
    const s = w.finish();
    expect(s.alarms).toBe(98);
    expect(s.reports).toBe(10);
    expect(s.latency).toEqual([expect.objectContaining({ pid: 5, calls: 3, window: 1 })]);
  });

  it('refuses --on-alarm stop/kill for --input and thresholds that can never alarm', async () => {
    const m = handModel(['a', 'b'], [['a', 'b']], []);
    await expect(watch(m, { kind: 'input', path: join(FIX, 'ls-nofork.strace') }, { frame: 10, policy: ratioThreshold(0.1), onAlarm: 'kill', out: sink().out })).rejects.toThrow(/needs a live source/);
    expect(() => new Watcher(m, { frame: 10, policy: countThreshold(11) })).toThrow(/can never alarm/);
  });
});

describe('tracer chatter, loss and real names (issue 13 item 0, issue 12 item 6)', () => {
  const a = Alphabet.fromNames(['read', 'write', 'close']);
  a.freeze();

  it('auto input: a bpftrace stream starting with "Attaching N probes..." is decoded as pid/number, "Lost N events" counted', () => {
    for (const strict of [true, false]) {
      const c = new Collect();
      const d = new EventDecoder(a, c, { format: 'auto', strict });
      d.push('Attaching 4 probes...\n\n12 0\n12 1\nLost 17 events\n12 3\nLost 3 events\n12 +++ exited +++\n');
      d.end();
      expect(d.detectedFormat).toBe('unm');
      expect(c.log).toEqual(['12:0', '12:1', '12:2', 'exit:12']);
      expect(d.lost).toBe(20);
      expect(d.notices).toBe(1);
      expect(d.skipped).toBe(0);
    }
  });

  it('strace streams: preamble/attach notices do not decide the format or count as bad lines', () => {
    const c = new Collect();
    const d = new EventDecoder(a, c, { format: 'auto', strict: true });
    d.push('strace: Process 77 attached\n77 read(3, "", 10) = 0\nLost 2 events\n77 close(3) = 0\n');
    d.end();
    expect(d.detectedFormat).toBe('strace');
    expect(c.log).toEqual(['77:0', '77:2']);
    expect(d.lost).toBe(2);
  });

  it('calls outside the vocabulary reach the sink as <unknown> with their real name', () => {
    const got: [number, number][] = [];
    const d = new EventDecoder(a, { event: (_p, id, _t, u) => void got.push([id, u]), exit: () => {} }, { format: 'strace' });
    d.push('1 socket(AF_INET, SOCK_STREAM, 0) = 3\n1 read(3, "", 1) = 0\n1 connect(3, {}, 16) = 0\n1 socket(AF_INET, SOCK_STREAM, 0) = 4\n');
    const unk = a.idOf('<unknown>')!;
    expect(got).toEqual([[unk, 0], [0, -1], [unk, 1], [unk, 0]]);
    expect(d.unknownNames).toEqual(['socket', 'connect']);
  });

  it('an alarm names the real calls of its window, trace time and line for --input; exit status 3', async () => {
    const names = ['read', 'write', 'close'];
    const a2 = Alphabet.fromNames(names);
    a2.freeze();
    const db = new WindowSet(3);
    db.add(Int32Array.from([0, 1, 2]));
    const config = { kind: 'xenids', scope: 'shared' as const, k: 3, resetOn: ['execve'] };
    const m: SavedModel = {
      config,
      params: {},
      alphabet: a2,
      detector: new XenidsModel(config, db),
      training: { data: [], format: 'test', files: 0, skippedFiles: 0, traces: 0, calls: 0, tracesPerProgram: {}, createdAt: '' },
    };
    const dir = mkdtempSync(join(tmpdir(), 'stidebench-stream-'));
    const f = join(dir, 'in.strace');
    writeFileSync(
      f,
      [
        '9 1700000000.000001 read(3, "", 1) = 0',
        '9 1700000000.000002 socket(AF_INET, SOCK_STREAM, 0) = 3',
        '9 1700000000.000003 connect(3, {}, 16) = 0',
        '9 1700000000.000004 write(1, "x", 1) = 1',
      ].join('\n') + '\n',
    );
    const o = sink();
    const ev = sink();
    const r = await watch(m, { kind: 'input', path: f }, { frame: 2, policy: countThreshold(1), out: o.out, events: ev.out, keepReports: true });
    rmSync(dir, { recursive: true, force: true });
    expect(r.reports[0]).toMatchObject({ sequence: ['read', 'socket', 'connect'], line: 3, traceTime: 1700000000.000003, time: '2023-11-14T22:13:20.000Z' });
    expect(o.text()).toMatch(/^ALARM 2023-11-14T22:13:20.000Z line=3 pid=9 .* seq=read,socket,connect$/m);
    // --events: the same reports as JSON lines on their own stream, the summary last.
    const lines = ev.text().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['alarm', 'summary']); // the second alarming window is rate limited
    expect(lines.at(-1)).toMatchObject({ lostEvents: 0, backend: 'input' });
    expect(r.status).toBe(EXIT_ALARM);
  });

  it('exit status: lost events win over alarms unless allowed', () => {
    const s = { lostEvents: 5, mapFull: 0, alarms: 2 } as WatchSummary;
    expect(watchStatus(s, 0, false)).toBe(EXIT_LOST);
    expect(watchStatus(s, 0, true)).toBe(EXIT_ALARM);
    expect(watchStatus({ ...s, lostEvents: 0, alarms: 0 }, 7, false)).toBe(7);
  });
});
