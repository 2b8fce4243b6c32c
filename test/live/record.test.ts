// Tests `stidebench record` (src/live/record.ts) with the real strace: exit status propagation, argv
// passed untouched (no shell), the sidecar, atomic output, and the missing-tracer error.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { record, type RecordResult } from '../../src/live/record.js';
import { parseStrace } from '../../src/traces/readers/strace.js';

const dir = mkdtempSync(join(tmpdir(), 'stidebench-record-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Records with piped stdout and returns it. */
async function recordCapture(name: string, command: string[], extra: Partial<Parameters<typeof record>[0]> = {}): Promise<{ r: RecordResult; stdout: string }> {
  let stdout = '';
  const r = await record({
    output: join(dir, name),
    command,
    stdio: 'pipe',
    onSpawn: (child) => {
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (s: string) => (stdout += s));
    },
    ...extra,
  });
  return { r, stdout };
}

describe('record (strace backend)', () => {
  it('propagates the exit status of the command', async () => {
    const { r } = await recordCapture('exit3.strace', ['sh', '-c', 'exit 3']);
    expect(r.exitStatus).toBe(3);
    expect(JSON.parse(readFileSync(r.metaPath, 'utf8')).exitStatus).toBe(3);
  });

  it('reports a signal death as 128 + signo', async () => {
    const { r } = await recordCapture('killed.strace', ['sh', '-c', 'kill -TERM $$']);
    expect(r.exitStatus).toBe(128 + 15);
  });

  it('passes arguments with spaces, quotes, dashes and empty strings untouched (no shell)', async () => {
    const odd = ['a b', `q'uo"te`, '--not-an-option', '', '$HOME', '*', 'ünï', 'back\\slash', ';', '|'];
    const { r, stdout } = await recordCapture('printf.strace', ['printf', '[%s]\\n', ...odd]);
    expect(r.exitStatus).toBe(0);
    expect(stdout).toBe(odd.map((a) => `[${a}]\n`).join(''));
    const meta = JSON.parse(readFileSync(r.metaPath, 'utf8'));
    expect(meta.command).toEqual(['printf', '[%s]\\n', ...odd]);
  });

  it('writes a 2-space JSON sidecar with the documented keys in order, and a real strace -f trace', async () => {
    const { r } = await recordCapture('sh.strace', ['sh', '-c', 'ls / >/dev/null; true'], { label: 'attack', family: 'shell-spawn' });
    const text = readFileSync(r.metaPath, 'utf8');
    const meta = JSON.parse(text);
    expect(Object.keys(meta)).toEqual(['label', 'program', 'family', 'command', 'recordedAt', 'exitStatus', 'backend', 'straceVersion', 'lostEvents']);
    expect(text).toBe(JSON.stringify(meta, null, 2) + '\n');
    expect(meta).toMatchObject({ label: 'attack', program: 'sh', family: 'shell-spawn', exitStatus: 0, backend: 'strace' });
    expect(meta.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(meta.straceVersion).toMatch(/^\d+\.\d+/);
    // Every line parses; -f gives one trace per process (sh and the forked ls).
    const parsed = parseStrace(readFileSync(r.tracePath, 'utf8'), r.tracePath, {
      dataset: 't', source: 's', label: 'normal', program: 'sh', family: null, intrusion: null,
    });
    expect(parsed.traces.length).toBeGreaterThanOrEqual(2);
    // No temporary files are left behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('defaults program to the basename of the command and honours --program', async () => {
    const a = await recordCapture('true1.strace', ['/bin/true']);
    expect(a.r.meta.program).toBe('true');
    const b = await recordCapture('true2.strace', ['/bin/true'], { program: 'custom' });
    expect(b.r.meta.program).toBe('custom');
    expect(b.r.meta.family).toBeNull();
  });

  it('names the install command when strace is missing, and fails cleanly for a missing command', async () => {
    await expect(recordCapture('x.strace', ['true'], { straceBin: '/nonexistent/strace' })).rejects.toThrow(/apt-get install -y strace/);
    await expect(recordCapture('y.strace', ['/nonexistent/command'])).rejects.toBeInstanceOf(InputError);
    expect(readdirSync(dir).filter((f) => f.startsWith('y.strace') || f.includes('.y.strace'))).toEqual([]);
  });

  it('bpftrace backend: runs, or reports a clear error naming the install command', async () => {
    try {
      const { r } = await recordCapture('bpf.trace', ['sh', '-c', 'exit 4'], { backend: 'bpftrace' });
      expect(r.exitStatus).toBe(4);
      expect(readFileSync(r.tracePath, 'utf8')).toMatch(/^\d+ \d+\n/);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toMatch(/bpftrace/);
      expect((e as Error).message).toMatch(/apt-get install -y bpftrace/);
    }
  });
});
