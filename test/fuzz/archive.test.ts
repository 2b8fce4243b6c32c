// Fuzzes the archive extractor (tar, tar.gz, zip, gz, plain) with random members (hostile names, links
// in and out of the archive, link chains and cycles, folders), random select/exclude/strip/into, and
// byte mutations of the archive. Each input must give a located InputError or an extraction that wrote
// only regular files inside the destination, exactly the files it reports, never another exception.

import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';

// 10,000 inputs per surface (npm run fuzz) take minutes on a loaded machine; the per-case bound is CASE_MS.
vi.setConfig({ testTimeout: 1_800_000 });
import { extractInto, type ExtractSpec } from '../../src/datasets/archive.js';
import { tarBytes, zipBytes, type TarMember } from '../datasets/archives.js';
import { fuzz, mutated, runsFor, sample, type Verdict } from './harness.js';

const PARTS = ['a', 'b', 'normal', 'x.int', '..', '.', '', '/', '\\', 'C:', '\0', 'é', 'data'];
const path = fc.array(fc.constantFrom(...PARTS), { minLength: 1, maxLength: 4 }).map((p) => p.join('/'));
const member: fc.Arbitrary<TarMember> = fc.record({
  path,
  body: fc.string({ maxLength: 40 }),
  type: fc.constantFrom('File', 'File', 'File', 'Directory', 'SymbolicLink', 'Link') as fc.Arbitrary<TarMember['type']>,
  linkpath: path,
});

interface ArchiveInput {
  data: Buffer;
  spec: ExtractSpec;
}

const spec: fc.Arbitrary<ExtractSpec> = fc.record({
  extract: fc.constantFrom('tar', 'tar.gz', 'zip', 'gz', 'none') as fc.Arbitrary<ExtractSpec['extract']>,
  strip: fc.nat({ max: 2 }),
  into: fc.option(fc.constantFrom('sub', 'a/b'), { nil: undefined }),
  select: fc.option(fc.constantFrom('^a/', '^(?:[^/]+/)?(.*)$', 'int$'), { nil: undefined }),
  exclude: fc.option(fc.constantFrom('^b', '\\.\\.'), { nil: undefined }),
});

const archive: fc.Arbitrary<ArchiveInput> = fc
  .tuple(fc.array(member, { maxLength: 12 }), spec, fc.nat({ max: 3 }), fc.nat())
  .chain(([members, s, mutate, salt]) => {
    let data: Buffer;
    try {
      if (s.extract === 'zip') {
        data = zipBytes(
          members.map((m) => (m.type === 'SymbolicLink' ? { path: m.path, body: m.linkpath ?? '', mode: 0o120777 } : { path: m.type === 'Directory' ? `${m.path}/` : m.path, body: m.body ?? '' })),
        );
      } else if (s.extract === 'gz' || s.extract === 'none') {
        data = s.extract === 'gz' ? gzipSync(String(members[0]?.body ?? '')) : Buffer.from(String(members[0]?.body ?? ''));
      } else {
        const t = tarBytes(members.filter((m) => !m.path.includes('\0')));
        data = s.extract === 'tar.gz' ? gzipSync(t) : t;
      }
    } catch {
      data = Buffer.from(`unbuildable ${salt}`);
    }
    if (mutate === 0) return mutated([data], ['\0', '\xff', '../', '/etc/passwd', '\x1f\x8b']).map((d) => ({ data: d, spec: s }));
    return fc.constant({ data, spec: s });
  });

const work = mkdtempSync(join(tmpdir(), 'stidebench-fuzz-archive-'));
let n = 0;
afterAll(() => rmSync(work, { recursive: true, force: true }));

function walk(root: string, dir: string, out: string[]): string | null {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return `symlink created: ${relative(root, p)}`;
    if (st.isDirectory()) {
      const bad = walk(root, p, out);
      if (bad !== null) return bad;
    } else if (st.isFile()) out.push(relative(root, p).split(sep).join('/'));
    else return `special file created: ${relative(root, p)}`;
  }
  return null;
}

async function check(x: ArchiveInput): Promise<Verdict> {
  const dest = join(work, `d${n++}`, 'root');
  const outside = join(dest, '..');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dest, { recursive: true });
  try {
    const r = await extractInto(x.data, x.spec, dest, 'fuzz.archive', 'https://example.org/dl/fuzz.archive');
    const files: string[] = [];
    const bad = walk(dest, dest, files);
    if (bad !== null) return bad;
    if (readdirSync(outside).length !== 1) return 'wrote beside the destination';
    files.sort();
    if (JSON.stringify(files) !== JSON.stringify([...r.written].sort())) return `reported ${r.written.length} files, wrote ${files.length}`;
    return null;
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
}

describe('fuzz: archive extractor', () => {
  it('located error or a safe extraction, never a crash or hang', async () => {
    const st = await fuzz('archive', sample(archive, runsFor(400), 30), check, (x) => Buffer.concat([Buffer.from(JSON.stringify(x.spec) + '\n'), x.data]));
    expect(st.crashes + st.hangs + st.garbage, st.firstProblem ?? '').toBe(0);
    expect(st.valid).toBeGreaterThan(0);
    expect(st.located).toBeGreaterThan(0);
  });
});
