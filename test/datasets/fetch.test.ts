// fetch: archives built here are served from 127.0.0.1 through --mirror / $STIDEBENCH_MIRROR; checks
// archive sha256, select/strip/exclude, tar.gz/zip/gz/plain, file verification, and that hostile
// archives (.., absolute paths, links out of the target) are refused with nothing written anywhere.

import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { fetchDataset, downloadUrl } from '../../src/datasets/fetch.js';
import { parseManifest, type Manifest } from '../../src/datasets/manifest.js';
import { serve, tarGz, zipBytes, type TarMember, type TestServer } from './archives.js';
import { removeDir, tempDir } from './helpers.js';

const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

const NORMAL = '1 0\n1 1\n1 2\n';
const ATTACK = '2 0\n2 3\n';
const CALLS = 'open\nread\nwrite\nclose\n';
const FILES = { 'calls.txt': sha(CALLS), 'normal/a.int': sha(NORMAL), 'abnormal/x.int': sha(ATTACK) };

function manifest(urls: unknown[], files: Record<string, string> = FILES, extra: Record<string, unknown> = {}): Manifest {
  return parseManifest(
    {
      name: 'pkg',
      title: 'fetch fixture',
      format: 'unm',
      root: 'sets/pkg',
      syscallTable: { kind: 'unm-calls', file: 'calls.txt' },
      rules: [
        { pattern: '^normal/', label: 'normal' },
        { pattern: '^abnormal/', label: 'attack' },
      ],
      source: { homepage: 'https://example.invalid/', urls, citation: [] },
      files,
      ...extra,
    },
    '/virtual/pkg/manifest.json',
  );
}

const GOOD: TarMember[] = [
  { path: 'pkg-1.0/', type: 'Directory' },
  { path: 'pkg-1.0/calls.txt', body: CALLS },
  { path: 'pkg-1.0/normal/a.int', body: NORMAL },
  { path: 'pkg-1.0/abnormal/x.int', body: ATTACK },
  { path: 'pkg-1.0/junk/skip.me', body: 'junk' },
];

let server: TestServer;
let work: string;
let dataDir: string;

beforeAll(async () => {
  server = await serve();
  work = tempDir('stidebench-fetch-');
});
afterAll(async () => {
  await server.close();
  removeDir(work);
});
let n = 0;
beforeEach(() => {
  // Each test gets a fresh data dir inside `work`, so "nothing outside" can be checked on `work`.
  dataDir = join(work, `case-${++n}`, 'data');
  mkdirSync(dataDir, { recursive: true });
});

/** Everything under `dir` (relative), sorted; dot-dirs included. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(e.isDirectory() ? `${r}/` : r);
      if (e.isDirectory()) walk(join(d, e.name), r);
    }
  };
  walk(dir, '');
  return out.sort();
}

async function refused(m: Manifest, pattern: RegExp): Promise<void> {
  const before = tree(work);
  const err = await fetchDataset(m, dataDir, { mirror: server.base }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  expect((err as Error).message).toMatch(pattern);
  // Nothing new anywhere under the work folder: no root, no temp folder, no cached archive, no '../evil'.
  expect(tree(work)).toEqual(before);
}

describe('fetchDataset', () => {
  it('downloads a tar.gz from the mirror, strips, selects, verifies and moves it into place', async () => {
    const archive = tarGz(GOOD);
    server.files.set('pkg.tar.gz', archive);
    const m = manifest([{ url: 'https://example.invalid/dl/pkg.tar.gz', extract: 'tar.gz', strip: 1, exclude: '/junk/', sha256: sha(archive) }]);
    const logs: string[] = [];
    const r = await fetchDataset(m, dataDir, { mirror: server.base, log: (l) => logs.push(l) });
    expect(r.status).toBe('fetched');
    expect(r.root).toBe(join(dataDir, 'sets', 'pkg'));
    expect(r.verify).toMatchObject({ ok: true, checked: 3, extra: [] });
    expect(r.downloads).toEqual([{ url: `${server.base}pkg.tar.gz`, name: 'pkg.tar.gz', bytes: archive.length, sha256: sha(archive), cached: false }]);
    expect(readFileSync(join(r.root, 'normal', 'a.int'), 'utf8')).toBe(NORMAL);
    expect(tree(dataDir).filter((p) => !p.startsWith('.downloads'))).toEqual([
      'sets/',
      'sets/pkg/',
      'sets/pkg/abnormal/',
      'sets/pkg/abnormal/x.int',
      'sets/pkg/calls.txt',
      'sets/pkg/normal/',
      'sets/pkg/normal/a.int',
    ]);
    expect(logs.some((l) => l.startsWith('downloading http://127.0.0.1:'))).toBe(true);

    // A second fetch finds the verified copy and downloads nothing.
    const again = await fetchDataset(m, dataDir, { mirror: server.base });
    expect(again.status).toBe('present');
    expect(again.downloads).toEqual([]);
  });

  it('takes the mirror from $STIDEBENCH_MIRROR and reuses cached downloads', async () => {
    const archive = tarGz(GOOD);
    server.files.set('other-name.tgz', archive);
    const m = manifest([{ url: 'https://example.invalid/x/y', name: 'other-name.tgz', extract: 'tar.gz', strip: 1, select: '^pkg-1\\.0/', exclude: '^pkg-1\\.0/junk/' }]);
    const r = await fetchDataset(m, dataDir, { env: { STIDEBENCH_MIRROR: server.base.slice(0, -1) } });
    expect(r.verify.ok).toBe(true);
    expect(r.downloads[0]!.url).toBe(`${server.base}other-name.tgz`);
    removeDir(r.root);
    const before = server.requests.length;
    const r2 = await fetchDataset(m, dataDir, { env: { STIDEBENCH_MIRROR: server.base } });
    expect(r2.downloads[0]!.cached).toBe(true);
    expect(server.requests.length).toBe(before);
  });

  it('uses a select capture group as the member path', async () => {
    const archive = tarGz([
      { path: 'repo-abc/scripts/data/pkg/normal/a.int', body: NORMAL },
      { path: 'repo-abc/scripts/data/pkg/abnormal/x.int', body: ATTACK },
      { path: 'repo-abc/scripts/data/other/normal/b.int', body: NORMAL },
      { path: 'repo-abc/README.md', body: 'readme' },
    ]);
    server.files.set('repo.tar.gz', archive);
    server.files.set('calls.txt', Buffer.from(CALLS));
    const m = manifest([
      { url: 'https://example.invalid/repo.tar.gz', extract: 'tar.gz', select: '^[^/]+/scripts/data/pkg/((?:normal|abnormal)/[^/]+\\.int)$' },
      { url: 'https://example.invalid/raw/calls.txt', extract: 'none', as: 'calls.txt' },
    ]);
    const r = await fetchDataset(m, dataDir, { mirror: server.base });
    expect(r.verify).toMatchObject({ ok: true, extra: [] });
  });

  it('extracts zip archives (skipping __MACOSX) and gz / plain files', async () => {
    const zip = zipBytes([
      { path: 'ADFA/', body: '' },
      { path: 'ADFA/normal/a.int', body: NORMAL },
      { path: '__MACOSX/ADFA/normal/._a.int', body: 'resource fork' },
    ]);
    server.files.set('set.zip', zip);
    server.files.set('x.int.gz', gzipSync(ATTACK));
    server.files.set('calls.txt', Buffer.from(CALLS));
    const m = manifest([
      { url: 'https://example.invalid/set.zip', extract: 'zip', select: '^(?:.*/)?(normal/.+)$', exclude: '(^|/)__MACOSX/' },
      { url: 'https://example.invalid/x.int.gz', extract: 'gz', as: 'abnormal/x.int' },
      { url: 'https://example.invalid/calls.txt' },
    ]);
    const r = await fetchDataset(m, dataDir, { mirror: server.base });
    expect(r.verify).toMatchObject({ ok: true, checked: 3, extra: [] });
  });

  it('materialises hard and symbolic links that stay inside the archive as copies', async () => {
    const archive = tarGz([
      { path: 'p/calls.txt', body: CALLS },
      { path: 'p/normal/a.int', body: NORMAL },
      { path: 'p/abnormal/orig.int', body: ATTACK },
      { path: 'p/abnormal/x.int', type: 'Link', linkpath: 'p/abnormal/orig.int' },
      { path: 'p/abnormal/y.int', type: 'SymbolicLink', linkpath: '../abnormal/./orig.int' },
    ]);
    server.files.set('links.tar.gz', archive);
    const m = manifest([{ url: 'https://example.invalid/links.tar.gz', extract: 'tar.gz', strip: 1 }]);
    const r = await fetchDataset(m, dataDir, { mirror: server.base });
    expect(r.verify).toMatchObject({ ok: true, extra: ['abnormal/orig.int', 'abnormal/y.int'] });
    expect(readFileSync(join(r.root, 'abnormal', 'x.int'), 'utf8')).toBe(ATTACK);
    expect(lstatSync(join(r.root, 'abnormal', 'y.int')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(r.root, 'abnormal', 'y.int'), 'utf8')).toBe(ATTACK);
  });

  describe('refuses, leaving nothing behind', () => {
    const cases: [string, TarMember[], RegExp][] = [
      ['a ../evil member', [...GOOD, { path: '../evil', body: 'pwned' }], /member "\.\.\/evil" contains "\.\."; nothing was extracted/],
      ['a nested ../ member', [{ path: 'pkg-1.0/a/../../../evil', body: 'pwned' }, ...GOOD], /contains "\.\."/],
      ['an absolute member', [...GOOD, { path: '/tmp/stidebench-evil-abs', body: 'pwned' }], /is an absolute path/],
      ['a symlink pointing outside', [{ path: 'pkg-1.0/normal/a.int', type: 'SymbolicLink', linkpath: '../../../../etc/passwd' }, ...GOOD], /is a link pointing outside the target/],
      ['an absolute symlink', [...GOOD, { path: 'pkg-1.0/evil', type: 'SymbolicLink', linkpath: '/etc/passwd' }], /is a link pointing outside the target \(to "\/etc\/passwd"\)/],
      ['a hard link pointing outside', [...GOOD, { path: 'pkg-1.0/evil', type: 'Link', linkpath: '../outside' }], /is a link pointing outside the target/],
    ];
    it.each(cases)('%s', async (_name, members, pattern) => {
      const archive = tarGz(members);
      server.files.set('evil.tar.gz', archive);
      await refused(manifest([{ url: 'https://example.invalid/evil.tar.gz', extract: 'tar.gz', strip: 1 }]), pattern);
      expect(existsSync(join(dataDir, '..', 'evil'))).toBe(false);
      expect(existsSync(join(work, 'evil'))).toBe(false);
      expect(existsSync('/tmp/stidebench-evil-abs')).toBe(false);
    });

    it('a zip with a ../evil member', async () => {
      server.files.set('evil.zip', zipBytes([{ path: 'ok/normal/a.int', body: NORMAL }, { path: '../evil', body: 'pwned' }]));
      await refused(manifest([{ url: 'https://example.invalid/evil.zip', extract: 'zip', strip: 1 }]), /evil\.zip.*(invalid relative path|contains "\.\.")/);
    });

    it('a zip symlink pointing outside', async () => {
      server.files.set('link.zip', zipBytes([{ path: 'ok/normal/a.int', body: '../../../etc/passwd', mode: 0o120777 }]));
      await refused(manifest([{ url: 'https://example.invalid/link.zip', extract: 'zip', strip: 1 }]), /is a link pointing outside the target/);
    });

    it('an archive whose sha256 does not match', async () => {
      server.files.set('pkg.tar.gz', tarGz(GOOD));
      await refused(
        manifest([{ url: 'https://example.invalid/pkg.tar.gz', extract: 'tar.gz', strip: 1, sha256: 'a'.repeat(64) }]),
        /checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/pkg\.tar\.gz: sha256 [0-9a-f]{64}, expected a{64}/,
      );
    });

    it('extracted files that do not match the manifest', async () => {
      server.files.set('pkg.tar.gz', tarGz(GOOD));
      const files = { ...FILES, 'normal/a.int': sha('something else') };
      await refused(
        manifest([{ url: 'https://example.invalid/pkg.tar.gz', extract: 'tar.gz', strip: 1 }], files),
        /downloaded files do not match the manifest of "pkg" \(0 missing, 1 changed\): changed: normal\/a\.int/,
      );
    });

    it('not a tar archive', async () => {
      server.files.set('html.tar.gz', Buffer.from('<html>moved</html>'));
      await refused(manifest([{ url: 'https://example.invalid/html.tar.gz', extract: 'tar.gz' }]), /html\.tar\.gz is not a valid tar archive/);
    });

    it('an HTTP error', async () => {
      await refused(manifest([{ url: 'https://example.invalid/missing.tar.gz', extract: 'tar.gz' }]), /download failed: HTTP 404 Not Found from http:\/\/127\.0\.0\.1:\d+\/missing\.tar\.gz/);
    });
  });

  it('keeps an existing copy that does not verify unless --force', async () => {
    const archive = tarGz(GOOD);
    server.files.set('pkg.tar.gz', archive);
    const m = manifest([{ url: 'https://example.invalid/pkg.tar.gz', extract: 'tar.gz', strip: 1, exclude: '/junk/' }]);
    const root = join(dataDir, 'sets', 'pkg');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'stale.txt'), 'old');
    await expect(fetchDataset(m, dataDir, { mirror: server.base })).rejects.toThrow(/already exists but does not match the manifest of "pkg" \(3 missing, 0 changed\); move it away or pass --force/);
    const r = await fetchDataset(m, dataDir, { mirror: server.base, force: true });
    expect(r.verify.ok).toBe(true);
    expect(existsSync(join(root, 'stale.txt'))).toBe(false);
    expect(readdirSync(join(dataDir, 'sets'))).toEqual(['pkg']);
  });

  it('refuses embedded datasets and manifests without URLs', async () => {
    await expect(fetchDataset(manifest([], {}, { embedded: true }), dataDir)).rejects.toThrow(/is embedded in the package; there is nothing to fetch/);
    await expect(fetchDataset(manifest([]), dataDir)).rejects.toThrow(/lists no download URLs/);
  });

  it('builds mirror URLs from the entry name', () => {
    const m = manifest([{ url: 'https://example.invalid/a/b/file%20name.tar.gz', extract: 'tar.gz' }]);
    expect(downloadUrl(m.source.urls[0]!, 'http://127.0.0.1:9/mirror')).toBe('http://127.0.0.1:9/mirror/file%20name.tar.gz');
    expect(downloadUrl(m.source.urls[0]!)).toBe('https://example.invalid/a/b/file%20name.tar.gz');
    expect(() => downloadUrl(m.source.urls[0]!, 'file:///etc')).toThrow(/invalid mirror URL/);
  });
});
