// Exec resets on SunOS names and `--reset-on NAMES` for detect / train / watch, through the compiled CLI.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'stidebench-reset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A SunOS-style table (execv is SunOS 4's exec) and "pid number" traces numbered from 0.
const calls = join(dir, 'calls.txt');
writeFileSync(calls, 'open\nread\nwrite\nclose\nexecv\nexecve\n');
mkdirSync(join(dir, 'normal'));
mkdirSync(join(dir, 'attack'));
const trainFile = join(dir, 'normal', 'train.int');
writeFileSync(trainFile, [0, 1, 2, 3].map((c) => `1 ${c}`).join('\n') + '\n');
// close close execv open read write close: without a reset on execv, 3 windows are foreign (k = 3);
// with it, the buffer restarts at execv and only [execv open read] is.
const testFile = join(dir, 'attack', 'test.int');
writeFileSync(testFile, [3, 3, 4, 0, 1, 2, 3].map((c) => `5 ${c}`).join('\n') + '\n');

function detect(extra: string[]) {
  return spawnSync(process.execPath, [CLI, 'detect', '--train', trainFile, '--test', testFile, '--format', 'unm', '--syscalls', calls, '-k', '3', '--frame', '5', '--json', ...extra], { encoding: 'utf8' });
}

describe('exec resets on SunOS names', () => {
  it('xenids resets on SunOS execv by default; --reset-on replaces the list', () => {
    const def = detect(['--detector', 'xenids']);
    expect(def.status, def.stderr).toBe(0);
    expect(JSON.parse(def.stdout).traces[0].mismatches).toBe(1);
    const only = detect(['--detector', 'xenids', '--reset-on', 'execve,vfork']);
    expect(only.status, only.stderr).toBe(0);
    expect(JSON.parse(only.stdout).traces[0].mismatches).toBe(3);
    const stide = detect(['--detector', 'stide']);
    expect(JSON.parse(stide.stdout).traces[0].mismatches).toBe(3);
  });

  it('bad --reset-on values: one line, exit 1', () => {
    for (const [extra, msg] of [
      [['--detector', 'stide', '--reset-on', 'execv'], /detector stide does not clear buffers, so it takes no resetOn/],
      [['--detector', 'xenids', '--reset-on', 'exec ve!'], /--reset-on: bad syscall name/],
      [['--detector', 'xenids', '--reset-on', ','], /--reset-on names no call/],
    ] as const) {
      const r = detect([...extra]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });

  it('train keeps the reset list (default with execv) in the model; watch --reset-on overrides it', () => {
    const model = join(dir, 'm.model');
    const t = spawnSync(process.execPath, [CLI, 'train', '--data', trainFile, '--format', 'unm', '--table', calls, '-k', '3', '-o', model], { encoding: 'utf8' });
    expect(t.status, t.stderr).toBe(0);
    const watch = (extra: string[]) => {
      const r = spawnSync(process.execPath, [CLI, 'watch', '--model', model, '--input', testFile, '--format', 'unm', '--table', calls, '--frame', '5', '--threshold', '1', '--json', ...extra], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(3); // 3: an alarm was raised
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      return lines.at(-1)!;
    };
    expect(JSON.stringify(watch([]))).toMatch(/"mismatches":1/);
    expect(JSON.stringify(watch(['--reset-on', 'execve']))).toMatch(/"mismatches":3/);
    // train --reset-on: the model resets only on what it was given
    const model2 = join(dir, 'm2.model');
    const t2 = spawnSync(process.execPath, [CLI, 'train', '--data', trainFile, '--format', 'unm', '--table', calls, '-k', '3', '--reset-on', 'execve', '-o', model2], { encoding: 'utf8' });
    expect(t2.status, t2.stderr).toBe(0);
    const r = spawnSync(process.execPath, [CLI, 'watch', '--model', model2, '--input', testFile, '--format', 'unm', '--table', calls, '--frame', '5', '--threshold', '1', '--json', '--reset-on', 'execv'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/"mismatches":3/);
    // a reset name the model never saw cannot be told from other foreign calls: watch says so
    expect(r.stderr).toMatch(/reset call execv is not in the model's alphabet/);
  });
});
