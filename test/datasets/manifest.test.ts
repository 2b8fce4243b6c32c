// Manifest schema: defaults, every registered manifest parses, and invalid manifests are InputErrors
// naming the file and the field path.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { expandTemplate, loadManifestFile, parseManifest } from '../../src/datasets/manifest.js';
import { listDatasets } from '../../src/datasets/registry.js';
import { FIXTURE_REGISTRY, removeDir, tempDir } from './helpers.js';

const base = (): Record<string, unknown> => ({
  name: 'x',
  title: 'X',
  format: 'unm',
  root: 'X',
  syscallTable: { kind: 'linux-i386' },
  rules: [{ pattern: '^normal/', label: 'normal' }],
  source: { homepage: 'https://example.invalid/' },
});

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('manifest schema', () => {
  it('fills defaults', () => {
    const m = parseManifest(base(), 'm.json');
    expect(m.embedded).toBe(false);
    expect(m.labelsFrom).toBe('rules');
    expect(m.program).toBe('unknown');
    expect(m.files).toEqual({});
    expect(m.subsets).toEqual({});
    expect(m.source.urls).toEqual([]);
    expect(m.manifestPath).toBe('m.json');
  });

  it('names the file and the field path of the first problem', () => {
    const bad = { ...base(), rules: [{ pattern: '^a', label: 'normal' }, { pattern: '(', label: 'attack' }] };
    const e = errorOf(() => parseManifest(bad, '/tmp/bad/manifest.json'));
    expect(e.message).toMatch(/^\/tmp\/bad\/manifest\.json: invalid manifest: field rules\.1\.pattern: must be a valid regular expression/);
    expect(e.file).toBe('/tmp/bad/manifest.json');
  });

  it.each([
    ['missing name', (m: Record<string, unknown>) => delete m['name'], 'field name'],
    ['bad format', (m: Record<string, unknown>) => (m['format'] = 'pcap'), 'field format'],
    ['label required with rules', (m: Record<string, unknown>) => (m['rules'] = [{ pattern: 'a' }]), 'field rules.0.label'],
    ['bad sha256', (m: Record<string, unknown>) => (m['files'] = { 'a/b': 'xyz' }), 'field files.a/b'],
    ['.. in a file path', (m: Record<string, unknown>) => (m['files'] = { '../b': 'a'.repeat(64) }), 'field files'],
    ['.. in root', (m: Record<string, unknown>) => (m['root'] = '../up'), 'field root'],
    ['root . when not embedded', (m: Record<string, unknown>) => (m['root'] = '.'), 'field root'],
    ['unknown key', (m: Record<string, unknown>) => (m['colour'] = 'red'), '(top level)'],
    ['ftp url', (m: Record<string, unknown>) => (m['source'] = { homepage: 'h', urls: [{ url: 'ftp://x/y.tar' }] }), 'field source.urls.0.url'],
    ['bad extract', (m: Record<string, unknown>) => (m['source'] = { homepage: 'h', urls: [{ url: 'https://x/y', extract: 'rar' }] }), 'field source.urls.0.extract'],
    ['bad table kind', (m: Record<string, unknown>) => (m['syscallTable'] = { kind: 'bsd' }), 'field syscallTable'],
  ])('rejects %s', (_name, mutate, field) => {
    const m = base();
    mutate(m);
    const e = errorOf(() => parseManifest(m, 'f.json'));
    expect(e.message).toContain('f.json: invalid manifest: ');
    expect(e.message).toContain(field);
  });

  it('allows sidecar rules without labels', () => {
    const m = parseManifest({ ...base(), labelsFrom: 'sidecar', rules: [{ pattern: '\\.strace$' }] }, 'm.json');
    expect(m.rules[0]!.label).toBeUndefined();
  });

  it('expands $N templates', () => {
    expect(expandTemplate('fam-$1/$2', /^(a+)-(b+)$/.exec('aa-bbb')!)).toBe('fam-aa/bbb');
    expect(expandTemplate('x$3', /^(a)$/.exec('a')!)).toBe('x');
  });
});

describe('manifest files', () => {
  const dir = tempDir();
  afterAll(() => removeDir(dir));

  it('reports invalid JSON with the file name', () => {
    const f = join(dir, 'broken.json');
    writeFileSync(f, '{"name": ');
    expect(() => loadManifestFile(f)).toThrow(/broken\.json: invalid manifest: not valid JSON/);
  });

  it('reports an unreadable file', () => {
    expect(() => loadManifestFile(join(dir, 'nope.json'))).toThrow(/nope\.json: cannot read manifest: ENOENT/);
  });

  it('requires the name to equal the folder', () => {
    const reg = join(dir, 'reg');
    mkdirSync(join(reg, 'other'), { recursive: true });
    writeFileSync(join(reg, 'other', 'manifest.json'), JSON.stringify(base()));
    expect(() => listDatasets(reg)).toThrow(/field name: "x" must equal its folder name "other"/);
  });

  it('every registered manifest is valid, and the downloadable ones list their files', () => {
    const all = listDatasets();
    const names = all.map((m) => m.name);
    for (const n of ['adfa-ld', 'lpr-mit', 'lpr-unm', 'named', 'xlock', 'login', 'ps', 'inetd', 'stide', 'unm-sendmail']) {
      expect(names).toContain(n);
      const m = all.find((d) => d.name === n)!;
      expect(m.embedded).toBe(false);
      expect(Object.keys(m.files).length).toBeGreaterThan(0);
      expect(m.source.urls.length).toBeGreaterThan(0);
      expect(m.source.citation.length).toBeGreaterThan(0);
    }
    expect([...names].sort()).toEqual(names);
  });

  it('the sendmail manifest excludes plus.int and maps the intrusion families', () => {
    const m = listDatasets().find((d) => d.name === 'unm-sendmail')!;
    expect(m.rules[0]).toMatchObject({ pattern: '^normal/plus\\.int$', exclude: true });
    const fam = (f: string) => m.rules.find((r) => new RegExp(r.pattern).test(f))?.family;
    expect(fam('abnormal/sm-280.int')).toBe('decode');
    expect(fam('abnormal/sm-314.int')).toBe('decode');
    expect(fam('abnormal/sm-10801.int')).toBe('sunsendmailcp');
    expect(fam('abnormal/fwd-loops-3.int')).toBe('forwarding-loop');
  });

  it('fixture manifests load', () => {
    const all = listDatasets(FIXTURE_REGISTRY);
    expect(all.map((m) => m.name)).toEqual(['mini-embedded', 'mini-unm']);
    expect(JSON.parse(readFileSync(all[1]!.manifestPath, 'utf8')).name).toBe('mini-unm');
  });
});
