// Issue 14, one test per reported case: each bad input a user can give ends as one located line and
// exit 1 (never "internal error", a stack trace, a hang or a V8 abort), and what used to be accepted
// silently is refused, or skipped and reported under an explicit --lenient.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractInto } from '../../src/datasets/archive.js';
import { cacheFileFor } from '../../src/datasets/fetch.js';
import { Alphabet } from '../../src/traces/alphabet.js';
import { readTraceFile } from '../../src/traces/readers/index.js';
import { tarBytes, zipBytes, type TarMember } from '../datasets/archives.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const SAMPLE_NORMAL = join(ROOT, 'datasets', 'sample', 'traces', 'normal');
let dir: string;

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync('node', [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

function cliBig(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 110_000, maxBuffer: 1 << 30 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A usage error: exit 2, the message on the first line (then commander's or our help hint), no "internal error". */
function expectUsage(r: ReturnType<typeof cli>, re: RegExp): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/internal error| {4}at /);
  expect(r.stderr.trim().split('\n')[0]).toMatch(re);
}

/** One line on stderr, exit 1, no "internal error", matching `re`. */
function expectLocated(r: ReturnType<typeof cli>, re: RegExp): void {
  expect(r.status, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/internal error| {4}at /);
  expect(r.stderr).toMatch(re);
}

function exp(body: Record<string, string>): string {
  const y = {
    name: 'x',
    datasets: '[{ name: sample }]',
    detectors: '[{ kind: stide, scope: shared }]',
    k: '[4]',
    frames: '[20]',
    thresholds: '{ count: [1] }',
    ...body,
  };
  const file = join(dir, `exp-${createHash('sha1').update(JSON.stringify(y)).digest('hex').slice(0, 8)}.yaml`);
  writeFileSync(file, Object.entries(y).map(([k, v]) => (k === 'raw' ? v : `${k}: ${v}`)).join('\n') + '\n');
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stidebench-bad-'));
  spawnSync('mkfifo', [join(dir, 'fifo')]);
  symlinkSync('loop-b', join(dir, 'loop-a'));
  symlinkSync('loop-a', join(dir, 'loop-b'));
  writeFileSync(join(dir, 'a-file'), 'x');
  writeFileSync(join(dir, 'one.int'), '1 2147483647\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file types: one located line, no hang', () => {
  it.each([
    ['fifo', /fifo: cannot read experiment file: it is a FIFO/],
    ['/dev/null', /\/dev\/null: cannot read experiment file: it is a character device/],
    ['.', /cannot read experiment file: it is a folder/],
    ['loop-a', /loop-a: cannot read experiment file: ELOOP/],
  ])('run %s', (path, re) => {
    const r = cli(['run', path]);
    expectLocated(r, re);
    expect(r.ms).toBeLessThan(20_000);
  });

  it('a FIFO or device as trace input or model', () => {
    expectLocated(cli(['detect', '--train', 'fifo', '--test', 'one.int']), /fifo: not a regular file or folder/);
    expectLocated(cli(['watch', '--model', 'fifo', '--input', 'one.int']), /fifo: cannot read model: it is a FIFO/);
    expectLocated(cli(['detect', '--train', '/dev/null', '--test', 'one.int']), /\/dev\/null: not a regular file or folder/);
  });

  it('a file where a folder is expected (results root, cache)', () => {
    expectLocated(cli(['run', join(ROOT, 'experiments', 'quickstart.yaml'), '--out', 'a-file', '-q']), /a-file: cannot create the results root/);
    expectLocated(cli(['run', join(ROOT, 'experiments', 'quickstart.yaml'), '--cache-dir', 'a-file', '-q']), /a-file: cannot create the cache folder/);
  });
});

describe('experiment files: YAML and numbers', () => {
  it('an alias bomb is a located error', () => {
    const f = join(dir, 'bomb.yaml');
    writeFileSync(f, 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n');
    expectLocated(cli(['run', f]), /bomb\.yaml: invalid YAML: too many alias expansions/);
  });

  it('hex numbers, negative ranges, tiny steps, huge plans and never-alarming thresholds are refused before anything runs', () => {
    expectLocated(cli(['run', exp({ k: '0x6' })]), /:\d+: number not in decimal notation \(found "0x6"\)/);
    expectLocated(cli(['run', exp({ k: '{ from: -3, to: 6 }' })]), /field k(\.from)?: /);
    expectLocated(cli(['run', exp({ k: '{ from: 1, to: 64, step: 0.0000001 }' })]), /field k: range expands to \d+ values; at most 10000/);
    expectLocated(cli(['run', exp({ k: '99999999999999999999' })]), /field k: /);
    expectLocated(cli(['run', exp({ frames: '{ from: 1, to: 10000 }', thresholds: '{ count: { from: 1, to: 10000 } }' })]), /the plan has 100000000 operating points/);
    expectLocated(cli(['run', exp({ thresholds: '{ count: [21] }' })]), /count threshold 21 exceeds the largest frame 20 and can never alarm/);
    expectLocated(cli(['run', exp({ thresholds: '{ ratio: [] }' })]), /field thresholds/);
  });

  it('CLI integers are decimal and bounded, refused at once', () => {
    const r = cli(['train', '-k', '99999999999999999999', '--data', 'one.int', '-o', 'm.model']);
    expect(r.status).toBe(2); // a usage error
    expect(r.stderr).toMatch(/k must be a decimal integer from 1 to 64/);
    expect(r.ms).toBeLessThan(20_000);
    expectUsage(cli(['detect', '-k', '0x6', '--train', 'one.int', '--test', 'one.int']), /option -k must be a decimal integer \(found "0x6"\)/);
    expectUsage(cli(['detect', '--frame', '20', '--threshold', '21', '--train', 'one.int', '--test', 'one.int']), /--threshold is out of range/);
    expectUsage(cli(['detect', '--ratio', '', '--train', 'one.int', '--test', 'one.int']), /--ratio must be a decimal number/);
  });
});

describe('sizes and resources', () => {
  it('130,000 pids in one file: no stack overflow', () => {
    let s = '';
    for (let i = 0; i < 130_000; i++) s += `${i + 2} 5\n${i + 2} 6\n`;
    writeFileSync(join(dir, 'pids.int'), s);
    const r = cliBig(['detect', '--train', 'pids.int', '--test', 'pids.int', '--test-label', 'normal', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { traces: unknown[] }).traces).toHaveLength(130_000);
  }, 120_000);

  it('a syscall number of 2^31 - 1 costs memory of the data, not 8 GiB', () => {
    const before = process.memoryUsage().arrayBuffers;
    const r = readTraceFile('unm', join(dir, 'one.int'), { dataset: 'x', source: 'one.int', label: 'normal', program: 'p', family: null, intrusion: null });
    const t = new Alphabet().encode(r.traces[0]!);
    expect(t.calls).toHaveLength(1);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
  });

  it('manifest regexes run on a linear-time engine: catastrophic patterns finish, back-references are refused', () => {
    const reg = join(dir, 'registry', 'evil');
    mkdirSync(reg, { recursive: true });
    const m = JSON.parse(readFileSync(join(ROOT, 'datasets', 'sample', 'manifest.json'), 'utf8')) as { name: string; root: string; embedded: boolean; rules: { pattern: string }[] };
    m.name = 'evil';
    // Exponential (^(a+)+$) and cubic (.+\w+\w+$, 185 s on a 1 KiB path in V8) backtracking patterns.
    m.rules.unshift({ ...m.rules[0]!, pattern: '^(a+)+$' }, { ...m.rules[0]!, pattern: '.+\\w+\\w+$!' });
    writeFileSync(join(reg, 'manifest.json'), JSON.stringify(m));
    const ok = cli(['datasets', 'stats', 'evil'], { STIDEBENCH_REGISTRY: join(dir, 'registry') });
    expect(ok.status, ok.stderr).toBe(0);
    m.rules[0]!.pattern = '^(a)\\1$';
    writeFileSync(join(reg, 'manifest.json'), JSON.stringify(m));
    const r = cli(['datasets', 'stats', 'evil'], { STIDEBENCH_REGISTRY: join(dir, 'registry') });
    expectLocated(r, /evil\/manifest\.json: invalid manifest: field rules\.0\.pattern: regular expression uses a back-reference/);
  });
});

describe('strict readers, --lenient', () => {
  beforeAll(() => {
    mkdirSync(join(dir, 'tr'), { recursive: true });
    writeFileSync(join(dir, 'tr', 'inf.strace'), '1  read(0, "", 1) = 0\n' + '9'.repeat(400) + '  read(0, "", 1) = 0\n');
    writeFileSync(join(dir, 'tr', 'cut.strace'), '1  read(0, "", 1) = 0\n1  write(1, "abc\n1  close(3) = 0\n');
    writeFileSync(join(dir, 'tr', 'pad.int'), Buffer.concat([gzipSync('1 2\n1 3\n1 4\n'), Buffer.alloc(16)]));
  });

  it('a pid of Infinity, a cut call line and zero padding after gzip are errors with file:line', () => {
    expectLocated(cli(['detect', '--train', 'tr/inf.strace', '--test', 'tr/inf.strace']), /inf\.strace:2: pid out of range/);
    expectLocated(cli(['detect', '--train', 'tr/cut.strace', '--test', 'tr/cut.strace']), /cut\.strace:2: incomplete or garbled call line/);
    expectLocated(cli(['detect', '--train', 'tr/pad.int', '--test', 'tr/pad.int']), /pad\.int: 16 byte\(s\) of trailing data after the gzip stream/);
  });

  it('--lenient skips and reports them instead', () => {
    const r = cli(['detect', '--lenient', '--train', 'tr/cut.strace', '--test', 'tr/cut.strace', '--test-label', 'normal']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cut\.strace: --lenient: skipped 1 malformed line\(s\), first at line 2/);
    const p = cli(['detect', '--lenient', '--train', 'tr/pad.int', '--test', 'tr/pad.int', '--test-label', 'normal']);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/pad\.int: --lenient: ignored 16 byte\(s\) of trailing data/);
  });

  it('run: strict by default; --lenient skips through the same preparation and reports it in the summary', () => {
    mkdirSync(join(dir, 'byo', 'normal'), { recursive: true });
    mkdirSync(join(dir, 'byo', 'attack'), { recursive: true });
    const SAMPLE_ATTACK = join(ROOT, 'datasets', 'sample', 'traces', 'attack');
    for (let i = 1; i <= 6; i++) {
      const text = readFileSync(join(SAMPLE_NORMAL, `cp-${i}.strace`), 'utf8');
      // cp-3 gets a cut call line in its middle (its line 3).
      const lines = text.split('\n');
      if (i === 3) lines.splice(2, 0, '1234  write(1, "abc');
      writeFileSync(join(dir, 'byo', 'normal', `cp-${i}.strace`), lines.join('\n'));
    }
    for (const f of ['awk-system-1.strace', 'bash-dev-tcp-1.strace']) writeFileSync(join(dir, 'byo', 'attack', f), readFileSync(join(SAMPLE_ATTACK, f)));
    writeFileSync(
      join(dir, 'byo.yaml'),
      'name: byo-lenient\ndatasets:\n  - name: mine\n    inline: { path: byo, program: cp }\n    split: { seed: 3, train: { fraction: 0.5 } }\n' +
        'detectors: [{ kind: stide, scope: shared }]\nk: 4\nframes: 10\nthresholds: { count: [1] }\n',
    );
    const strict = cli(['run', 'byo.yaml', '--out', 'res', '--no-cache', '-q']);
    expectLocated(strict, /byo\/normal\/cp-3\.strace:3: incomplete or garbled call line/);
    expect(existsSync(join(dir, 'res', 'byo-lenient'))).toBe(false);
    const r = cli(['run', 'byo.yaml', '--out', 'res', '--no-cache', '-q', '--lenient']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: mine: .*cp-3\.strace: --lenient: skipped 1 malformed line\(s\), first at line 3/);
    const summary = readFileSync(join(dir, 'res', 'byo-lenient', 'summary.md'), 'utf8');
    expect(summary).toMatch(/cp-3\.strace: --lenient: skipped 1 malformed line\(s\), first at line 3/);
  }, 120_000);
});

describe('models', () => {
  let model: string;
  beforeAll(() => {
    model = join(dir, 'sample.model');
    const r = cli(['train', '--data', SAMPLE_NORMAL, '-k', '4', '-o', model]);
    expect(r.status, r.stderr).toBe(0);
  });

  /** The model with one header field replaced and the checksum recomputed (passes the sha256 check). */
  function forged(field: string, value: unknown): string {
    const b = readFileSync(model);
    const hlen = b.readUInt32LE(12);
    const h = JSON.parse(b.subarray(16, 16 + hlen).toString('utf8')) as Record<string, Record<string, unknown>>;
    if (field.startsWith('training.')) h['training']![field.slice(9)] = value;
    else (h as Record<string, unknown>)[field] = value;
    let json = Buffer.from(JSON.stringify(h));
    json = Buffer.concat([json, Buffer.alloc((8 - ((16 + json.length) % 8)) % 8, 0x20)]);
    const prefix = Buffer.from(b.subarray(0, 16));
    prefix.writeUInt32LE(json.length, 12);
    const body = Buffer.concat([prefix, json, b.subarray(16 + hlen, b.length - 32)]);
    const out = join(dir, `forged-${field}.model`);
    writeFileSync(out, Buffer.concat([body, createHash('sha256').update(body).digest()]));
    return out;
  }

  it('every header field is validated on load, even with a valid checksum', () => {
    const input = join(SAMPLE_NORMAL, 'cp-1.strace');
    expectLocated(cli(['watch', '--model', forged('training.inputTable', { id: 'x', names: null }), '--input', input]), /invalid model header \(field training\.inputTable\.names/);
    expectLocated(cli(['watch', '--model', forged('k', 1e9), '--input', input]), /invalid model header \(field k:/);
    expectLocated(cli(['watch', '--model', forged('alphabet', []), '--input', input]), /invalid model header \(field alphabet:/);
  });

  it('a model numbered unlike the input stops watch with a clear message', () => {
    writeFileSync(join(dir, 'unm-train.int'), '1 5\n1 6\n1 7\n1 5\n1 6\n1 8\n');
    const unmModel = join(dir, 'unm.model');
    expect(cli(['train', '--data', 'unm-train.int', '--format', 'unm', '-k', '2', '-o', unmModel]).status).toBe(0);
    expectLocated(cli(['watch', '--model', unmModel, '--input', join(SAMPLE_NORMAL, 'cp-1.strace')]), /unm\.model: the model's syscall numbering does not fit the input: \d+ of its \d+ syscall names \(e\.g\. "unm#5"\)/);
  });
});

describe('downloads and archives', () => {
  it('cache file names are a hash of the URL, inside the cache folder whatever the URL', () => {
    for (const url of ['http://x/../../../etc/passwd', 'http://x/%2e%2e%2f%2e%2e%2fetc', 'http://x/a/b/']) {
      const f = cacheFileFor('/data/.downloads', url);
      expect(f).toMatch(/^\/data\/\.downloads\/[0-9a-f]{64}$/);
    }
  });

  it('8,000 symlinks extract in linear time', async () => {
    const members: TarMember[] = [{ path: 'data/file.int', body: '1 2\n' }];
    for (let i = 0; i < 8000; i++) members.push({ path: `data/l${i}.int`, type: 'SymbolicLink', linkpath: 'file.int' });
    const dest = join(dir, 'links');
    mkdirSync(dest);
    const t0 = performance.now();
    const r = await extractInto(tarBytes(members), { extract: 'tar', strip: 0 }, dest, 'links.tar', 'https://x/links.tar');
    expect(r.written).toHaveLength(8001);
    expect(performance.now() - t0).toBeLessThan(30_000); // was 184 s (quadratic)
  }, 60_000);

  it('gzip and zip bombs stop at the size limit; trailing bytes after gzip are refused', async () => {
    const old = process.env['STIDEBENCH_MAX_EXTRACT_BYTES'];
    process.env['STIDEBENCH_MAX_EXTRACT_BYTES'] = String(1 << 20);
    try {
      const dest = join(dir, 'bomb');
      mkdirSync(dest);
      const gz = gzipSync(Buffer.alloc(8 << 20));
      await expect(extractInto(gz, { extract: 'gz', strip: 0, as: 'x' }, dest, 'bomb.gz', 'https://x/bomb.gz')).rejects.toThrow(/inflates beyond 1048576 bytes/);
      const zip = zipBytes([{ path: 'a', body: Buffer.alloc(700 << 10) }, { path: 'b', body: Buffer.alloc(700 << 10) }]);
      await expect(extractInto(zip, { extract: 'zip', strip: 0 }, dest, 'bomb.zip', 'https://x/bomb.zip')).rejects.toThrow(/inflates beyond/);
      const tar = tarBytes([{ path: 'a', body: Buffer.alloc(700 << 10) }, { path: 'b', body: Buffer.alloc(700 << 10) }]);
      await expect(extractInto(gzipSync(tar), { extract: 'tar.gz', strip: 0 }, dest, 'bomb.tgz', 'https://x/bomb.tgz')).rejects.toThrow(/inflates beyond/);
      await expect(extractInto(Buffer.concat([gzipSync('x'), Buffer.alloc(4)]), { extract: 'gz', strip: 0, as: 'y' }, dest, 'pad.gz', 'https://x/pad.gz')).rejects.toThrow(/trailing data/);
    } finally {
      if (old === undefined) delete process.env['STIDEBENCH_MAX_EXTRACT_BYTES'];
      else process.env['STIDEBENCH_MAX_EXTRACT_BYTES'] = old;
    }
  });
});
