// LID-DS 2021 / 2019 readers against hand-written recordings, one per quirk LID-DS's loaders handle, and
// against the committed samples recorded here (datasets/lidds-sample-2021, lidds-sample-2019).

import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { getDataset } from '../../src/datasets/registry.js';
import { loadDataset, loadDatasetAsync } from '../../src/datasets/load.js';
import { exploitTiming, parseLidds2019, parseLidds2021, readLidds2019Async, readLidds2021Async, type LiddsOptions } from '../../src/traces/readers/index.js';
import type { FileMeta } from '../../src/traces/readers/types.js';
import type { RawTrace } from '../../src/traces/trace.js';
import { straceToEvents, zipBytes } from '../../scripts/strace-to-lidds.js';

const meta = (source: string, label: 'normal' | 'attack' = 'normal'): FileMeta => ({
  dataset: 'fixture',
  source,
  label,
  program: 'svc',
  family: 'SCEN',
  intrusion: label === 'attack' ? source : null,
});

const tmp = mkdtempSync(join(tmpdir(), 'lidds-'));

function recording2021(name: string, sc: string, json: object | string): string {
  const p = join(tmp, `${name}.zip`);
  writeFileSync(
    p,
    zipBytes([
      { name: `${name}.json`, data: Buffer.from(typeof json === 'string' ? json : JSON.stringify(json)) },
      { name: `${name}.sc`, data: Buffer.from(sc) },
    ]),
  );
  return p;
}

const names = (t: RawTrace): string[] => [...t.calls].map((n) => t.table.name(n));
const E = 1631209047.5; // exploit time (s)
const ns = (s: number): string => String(BigInt(Math.round(s * 1e6)) * 1000n);

// Two processes; pid 10 has threads 10 and 11. Exploit at E: events at E - 0.1 are before, at E after.
const SC = [
  `${ns(E - 0.3)} 0 10 apache2 10 open > name=/etc/group`,
  `${ns(E - 0.29)} 0 10 apache2 10 open < fd=3 `,
  `${ns(E - 0.2)} 0 10 apache2 11 read > fd=3`,
  `${ns(E - 0.1)} 0 20 sh 20 execve > filename=/bin/sh`,
  `${ns(E - 0.1)} 0 10 apache2 11 read < res=5`,
  `${ns(E)} 0 10 apache2 10 write > fd=4`,
  `${ns(E + 0.1)} 0 20 sh 20 execve < res=0`,
  `${ns(E + 0.2)} 0 10 apache2 11 close > fd=3`,
  '',
].join('\n');
const EXPLOIT_JSON = { container: [{ role: 'normal' }], exploit: true, time: { exploit: [{ absolute: E, name: 'x', source: 'y' }] } };

async function both(path: string, m: FileMeta, opts: LiddsOptions) {
  const { readFileSync } = await import('node:fs');
  const sync = parseLidds2021(readFileSync(path), path, m, opts);
  const async = await readLidds2021Async(path, m, opts);
  expect(async).toEqual(sync);
  return sync;
}

describe('LID-DS 2021 reader', () => {
  it('counts enter events by default, one trace per thread, in file order', async () => {
    const p = recording2021('rec_a', SC, EXPLOIT_JSON);
    const r = await both(p, meta('SCEN/test/normal_and_attack/rec_a.zip', 'attack'), { direction: 'enter', windows: 'thread' });
    expect(r.traces.map((t) => t.pid)).toEqual([10, 11, 20]);
    expect(r.traces.map(names)).toEqual([['open', 'write'], ['read', 'close'], ['execve']]);
  });

  it('direction exit / both and windows process / recording', async () => {
    const p = recording2021('rec_b', SC, EXPLOIT_JSON);
    const m = meta('SCEN/test/normal_and_attack/rec_b.zip', 'attack');
    const exit = await both(p, m, { direction: 'exit', windows: 'thread' });
    expect(exit.traces.map(names)).toEqual([['open'], ['read'], ['execve']]);
    const proc = await both(p, m, { direction: 'both', windows: 'process' });
    expect(proc.traces.map((t) => t.pid)).toEqual([10, 20]);
    expect(names(proc.traces[0]!)).toEqual(['open', 'open', 'read', 'read', 'write', 'close']);
    const rec = await both(p, m, { direction: 'enter', windows: 'recording' });
    expect(rec.traces).toHaveLength(1);
    expect(rec.traces[0]!.pid).toBeNull();
    expect(names(rec.traces[0]!)).toEqual(['open', 'read', 'execve', 'write', 'close']);
  });

  it('splits each trace at the exploit time (a call at exactly the exploit time is after) and keeps per-call timing', async () => {
    const p = recording2021('rec_c', SC, EXPLOIT_JSON);
    const m = meta('SCEN/test/normal_and_attack/rec_c.zip', 'attack');
    const r = await both(p, m, { direction: 'both', windows: 'thread' });
    const [t10, t11, t20] = r.traces;
    expect(t10!.exploit).toEqual({ time: E, call: 2 }); // open>, open< before; write> at E
    expect(t11!.exploit).toEqual({ time: E, call: 2 }); // read>, read< before
    expect(t20!.exploit).toEqual({ time: E, call: 1 }); // execve> at E - 0.1, execve< after
    const tm = exploitTiming(t11!)!;
    expect([...tm.seq]).toEqual([2, 4, 7]);
    expect(tm.times[2]).toBe(Number(ns(E + 0.2)) * 1e-9);
    expect(t10!.label).toBe('attack');
    expect(t10!.intrusion).toBe(m.source);
  });

  it("reads metadata written with single quotes (LID-DS replaces ' by \") and takes the label from the exploit flag", async () => {
    const p = recording2021('rec_d', SC, "{'container': [{'role': 'normal'}], 'exploit': false, 'time': {'exploit': []}}");
    const r = await both(p, meta('SCEN/test/normal_and_attack/rec_d.zip', 'attack'), { direction: 'enter', windows: 'thread' });
    expect(r.traces.every((t) => t.label === 'normal' && t.exploit === null && t.intrusion === null && t.family === null)).toBe(true);
  });

  it('reports a missing member, a malformed line and an exploit without time as one InputError naming file and line', async () => {
    const { readFileSync } = await import('node:fs');
    const noSc = join(tmp, 'rec_e.zip');
    writeFileSync(noSc, zipBytes([{ name: 'rec_e.json', data: Buffer.from('{"exploit": false}') }]));
    expect(() => parseLidds2021(readFileSync(noSc), noSc, meta('x'), { direction: 'enter', windows: 'thread' })).toThrow(/rec_e\.zip: zip has no member rec_e\.sc/);
    await expect(readLidds2021Async(noSc, meta('x'))).rejects.toThrow(/zip has no member rec_e\.sc/);

    const badLine = recording2021('rec_f', `${ns(E)} 0 10 apache2 10 open >\n${ns(E)} 0 10 apache 2 10 read >\n`, { exploit: false });
    let err: unknown;
    try {
      await readLidds2021Async(badLine, meta('x'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/rec_f\.zip:rec_f\.sc:2: direction "read" is neither ">" nor "<"/);

    const noTime = recording2021('rec_g', SC, { exploit: true, time: { exploit: [] } });
    await expect(readLidds2021Async(noTime, meta('x'))).rejects.toThrow(/rec_g\.json: exploit recording has no time\.exploit\[0\]\.absolute/);

    const notZip = join(tmp, 'rec_h.zip');
    writeFileSync(notZip, 'hello');
    expect(() => parseLidds2021(readFileSync(notZip), notZip, meta('x'))).toThrow(/rec_h\.zip: not a readable zip archive/);
    await expect(readLidds2021Async(notZip, meta('x'))).rejects.toThrow(/rec_h\.zip: not a readable zip archive/);
  });
});

describe('LID-DS 2019 reader', () => {
  function scenario(rows: string, files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmp, 's19-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'runs.csv'), rows);
    for (const [n, text] of Object.entries(files)) writeFileSync(join(dir, `${n}.txt`), text);
    return join(dir, 'runs.csv');
  }
  const HEADER = 'image_name, scenario_name, is_executing_exploit, warmup_time, recording_time, exploit_start_time\n';
  // First counted event at 23:59:58.7 -> LID-DS exploit time = 23:59:58 + (3 - 2) s = 23:59:59 (whole seconds).
  const EXPL = [
    '1 23:59:58.700000000 0 999 mysqld 7 > read fd=3',
    '2 23:59:58.800000000 1 999 mysqld 7 > switch next=8',
    '3 23:59:58.999999999 0 999 mysqld 8 > write fd=4',
    '4 23:59:59.000000001 0 999 mysqld 8 < write res=1',
    '5 23:59:59.500000000 0 999 mysqld 7 > close fd=3',
    '6 00:00:00.100000000 0 999 mysqld 8 > exit',
  ].join('\n');
  const NORMAL = '10 12:00:00.000000000 0 999 mysqld 7 > read fd=3\n11 12:00:00.1 0 999 mysqld 7 > switch next=0\n12 12:00:00.200000000 0 999 mysqld 7 > close\n';

  async function both19(path: string, m: FileMeta, opts: LiddsOptions = { direction: 'enter', windows: 'thread' }) {
    const { readFileSync } = await import('node:fs');
    const sync = parseLidds2019(readFileSync(path), path, m, opts);
    const async = await readLidds2019Async(path, m, opts);
    expect(async).toEqual(sync);
    return sync;
  }

  it('yields recordings in runs.csv order, drops switch events, labels by is_executing_exploit', async () => {
    const runs = scenario(`${HEADER}img, zz_normal, False, 5, 10, -1\nimg,aa_exploit,True,3,10,1\n`, { zz_normal: NORMAL, aa_exploit: EXPL });
    const r = await both19(runs, meta('SCEN/runs.csv'));
    expect(r.traces.map((t) => [t.source, t.pid, t.label])).toEqual([
      ['SCEN/zz_normal.txt', 7, 'normal'],
      ['SCEN/aa_exploit.txt', 7, 'attack'],
      ['SCEN/aa_exploit.txt', 8, 'attack'],
    ]);
    expect(names(r.traces[0]!)).toEqual(['read', 'close']);
    expect(r.traces[1]!.intrusion).toBe('SCEN/aa_exploit.txt');
  });

  it('exploit time = first event second + warmup - 2, compared in whole seconds, across midnight', async () => {
    const runs = scenario(`${HEADER}img, aa_exploit, True, 3, 10, 1\n`, { aa_exploit: EXPL });
    const r = await both19(runs, meta('SCEN/runs.csv'), { direction: 'both', windows: 'thread' });
    const sec = 23 * 3600 + 59 * 60 + 59;
    const [t7, t8] = r.traces;
    expect(names(t7!)).toEqual(['read', 'close']);
    expect(t7!.exploit).toEqual({ time: sec, call: 1 }); // close at :59.5 -> second 59 -> after
    expect(names(t8!)).toEqual(['write', 'write', 'exit']);
    expect(t8!.exploit).toEqual({ time: sec, call: 1 }); // write> at :58.999999999 before; write< at :59.000000001 after
    expect(exploitTiming(t8!)!.times[2]).toBeCloseTo(86400 + 0.1, 6); // past midnight
  });

  it('rejects bad runs.csv rows and missing recordings with file and line', async () => {
    const badFlag = scenario(`${HEADER}img, a, True, 3, 10, 1\nimg, b, maybe, 3, 10, 1\n`, { a: NORMAL, b: NORMAL });
    await expect(both19(badFlag, meta('S/runs.csv'))).rejects.toThrow(/runs\.csv:3: is_executing_exploit is not a boolean/);
    const missing = scenario(`${HEADER}img, gone, False, 3, 10, -1\n`, {});
    await expect(readLidds2019Async(missing, meta('S/runs.csv'))).rejects.toThrow(/gone\.txt: cannot read a recording named in runs\.csv: ENOENT/);
    const badTime = scenario(`${HEADER}img, a, False, 3, 10, -1\n`, { a: '1 12:00 0 999 x 7 > read\n' });
    await expect(readLidds2019Async(badTime, meta('S/runs.csv'))).rejects.toThrow(/a\.txt:1: time is not HH:MM:SS\.nnnnnnnnn/);
    const proc = scenario(`${HEADER}img, a, False, 3, 10, -1\n`, { a: NORMAL });
    await expect(readLidds2019Async(proc, meta('S/runs.csv'), { direction: 'enter', windows: 'process' })).rejects.toThrow(/no pid column/);
  });
});

describe('the committed LID-DS-format samples', () => {
  it('2021: sync and async loaders agree; exploit recordings are attacks split inside, the injected cat only after', async () => {
    const m = getDataset('lidds-sample-2021');
    const a = await loadDatasetAsync(m, '/nonexistent');
    const s = loadDataset(m, '/nonexistent');
    expect(a.traces).toEqual(s.traces);
    expect(a.files).toBe(11);
    const attacks = a.traces.filter((t) => t.label === 'attack');
    expect(new Set(attacks.map((t) => t.source)).size).toBe(3);
    expect(attacks.every((t) => t.source.includes('/test/normal_and_attack/') && t.exploit != null)).toBe(true);
    expect(a.traces.filter((t) => t.label === 'normal').every((t) => t.exploit === null)).toBe(true);
    // The main thread of each attacked server runs before and after the exploit.
    for (const src of new Set(attacks.map((t) => t.source))) {
      const main = attacks.filter((t) => t.source === src).sort((x, y) => x.pid! - y.pid!)[0]!;
      expect(main.exploit!.call).toBeGreaterThan(0);
      expect(main.exploit!.call).toBeLessThan(main.calls.length);
      // The process that runs cat exists only after the exploit: all its calls are after.
      const cat = attacks.filter((t) => t.source === src && names(t).includes('execve') && exploitTiming(t)!.times[0]! >= t.exploit!.time);
      expect(cat.length).toBeGreaterThan(0);
      for (const t of cat) expect(t.exploit!.call).toBe(0);
    }
  });

  it('2019: the same recordings read from runs.csv and text files give the same calls per thread as the 2021 zips', async () => {
    const t19 = (await loadDatasetAsync(getDataset('lidds-sample-2019'), '/nonexistent')).traces;
    const t21 = (await loadDatasetAsync(getDataset('lidds-sample-2021'), '/nonexistent')).traces;
    expect(t19.length).toBeGreaterThan(0);
    for (const t of t19) {
      const rec = t.source.replace(/^.*\//, '').replace(/\.txt$/, '');
      const twin = t21.find((u) => u.source.endsWith(`/${rec}.zip`) && u.pid === t.pid)!;
      expect(names(t)).toEqual(names(twin));
      expect(t.label).toBe(twin.label);
    }
  });
});

describe('strace -> LID-DS converter', () => {
  it('pairs unfinished/resumed calls, gives threads their process id, renames on execve, no exit for exit_group', () => {
    const strace = [
      '100 1000.000001 execve("/usr/sbin/svc", ["svc"], 0x0 /* 1 vars */) = 0 <0.000010>',
      '100 1000.000100 clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x1}, 88) = 101 <0.000005>',
      '101 1000.000200 read(3,  <unfinished ...>',
      '100 1000.000300 clone(child_stack=NULL, flags=SIGCHLD) = 102 <0.000004>',
      '102 1000.000400 execve("/bin/cat", ["cat"], 0x0 /* 1 vars */) = 0 <0.000020>',
      '101 1000.000500 <... read resumed>"x", 1) = 1 <0.000300>',
      '102 1000.000600 exit_group(0) = ?',
      '102 1000.000700 +++ exited with 0 +++',
    ].join('\n');
    const ev = straceToEvents(strace).map((e) => `${e.ns} ${e.pid} ${e.comm} ${e.tid} ${e.name} ${e.dir}`);
    expect(ev).toEqual([
      '1000000001000 100 strace 100 execve >',
      '1000000011000 100 svc 100 execve <',
      '1000000100000 100 svc 100 clone3 >',
      '1000000105000 100 svc 100 clone3 <',
      '1000000200000 100 svc 101 read >',
      '1000000300000 100 svc 100 clone >',
      '1000000304000 100 svc 100 clone <',
      '1000000400000 102 svc 102 execve >',
      '1000000420000 102 cat 102 execve <',
      '1000000500000 100 svc 101 read <',
      '1000000600000 102 cat 102 exit_group >',
    ]);
  });
});
