// Owns `datasets fetch`: download every source.urls entry (global fetch, http/https, optionally from a
// mirror base URL), check its sha256, extract it safely into a temporary folder inside the data
// directory, verify the result against the manifest's file checksums, and only then rename it into
// place. On any failure the temporary folder is removed, so nothing is left half-written.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';
import { fsInputError, readInputFile } from '../input.js';
import { extractInto } from './archive.js';
import { sha256Bytes } from './files.js';
import type { DownloadEntry, Manifest } from './manifest.js';
import { datasetRoot } from './registry.js';
import { describeProblems, verifyTree, type VerifyResult } from './verify.js';

export interface FetchOptions {
  /** Base URL replacing each download's origin: `<mirror>/<entry name>`. Default: $STIDEBENCH_MIRROR. */
  mirror?: string;
  /** Replace an existing root that does not verify (an existing root that verifies is always kept). */
  force?: boolean;
  /** Keep downloads in <data dir>/.downloads for the next fetch (default true). */
  keepDownloads?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Per-download timeout (default 30 minutes). */
  timeoutMs?: number;
}

export interface DownloadRecord {
  url: string;
  name: string;
  bytes: number;
  sha256: string;
  cached: boolean;
}

export interface FetchResult {
  dataset: string;
  root: string;
  status: 'fetched' | 'present';
  downloads: DownloadRecord[];
  verify: VerifyResult;
  warnings: string[];
}

/** The file name a download is mirrored under (and shown as): never used as a local path. */
export function downloadName(entry: DownloadEntry): string {
  if (entry.name !== undefined) return entry.name;
  const last = new URL(entry.url).pathname.split('/').filter(Boolean).pop();
  if (!last) return 'download';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/**
 * The cache file of a download: `<data dir>/.downloads/<sha256 of the URL>`. Derived from a hash only,
 * so no URL (`..`, `%2F`, absolute paths) can name a file outside the cache folder.
 */
export function cacheFileFor(cacheDir: string, url: string): string {
  return join(cacheDir, sha256Bytes(Buffer.from(url, 'utf8')));
}

/** Most bytes one download may have: 4 GiB - 1 (Node's Buffer limit), or $STIDEBENCH_MAX_DOWNLOAD_BYTES. */
export function maxDownloadBytes(): number {
  const v = Number(process.env['STIDEBENCH_MAX_DOWNLOAD_BYTES']);
  return Number.isSafeInteger(v) && v > 0 ? Math.min(v, 2 ** 32 - 1) : 2 ** 32 - 1;
}

/** The URL actually downloaded: the entry's own, or `<mirror>/<name>`. */
export function downloadUrl(entry: DownloadEntry, mirror?: string): string {
  if (mirror === undefined || mirror === '') return entry.url;
  if (!URL.canParse(mirror) || !/^https?:$/.test(new URL(mirror).protocol)) {
    throw new InputError('invalid mirror URL', { text: mirror, expected: 'an http:// or https:// base URL' });
  }
  return new URL(encodeURIComponent(downloadName(entry)), mirror.endsWith('/') ? mirror : `${mirror}/`).toString();
}

async function download(url: string, timeoutMs: number): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
    throw new InputError(`could not download ${url}: ${cause}`);
  }
  if (!res.ok) throw new InputError(`download failed: HTTP ${res.status} ${res.statusText} from ${url}`);
  const limit = maxDownloadBytes();
  const tooBig = (): InputError =>
    new InputError(`download too large: ${url} has more than ${limit} bytes`, { expected: 'raise STIDEBENCH_MAX_DOWNLOAD_BYTES if the file is genuine' });
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooBig();
  if (res.body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > limit) throw tooBig();
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`could not download ${url}: ${(e as Error).message}`);
  }
  return Buffer.concat(chunks, total);
}

function removeIfEmpty(dir: string): void {
  try {
    if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // best effort
  }
}

export async function fetchDataset(m: Manifest, dataDir: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const log = opts.log ?? (() => {});
  const env = opts.env ?? process.env;
  const mirror = opts.mirror ?? env['STIDEBENCH_MIRROR'];
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  if (m.embedded) throw new InputError(`dataset "${m.name}" is embedded in the package; there is nothing to fetch`);
  if (m.source.urls.length === 0) throw new InputError(`dataset "${m.name}" lists no download URLs in its manifest`, { file: m.manifestPath });

  const root = datasetRoot(m, dataDir);
  if (existsSync(root)) {
    const current = verifyTree(root, m.files);
    if (current.ok && current.checked > 0) {
      log(`${m.name}: already present and verified in ${root}`);
      return { dataset: m.name, root, status: 'present', downloads: [], verify: { dataset: m.name, root, ...current }, warnings: [] };
    }
    if (!opts.force) {
      throw new InputError(
        `${root} already exists but does not match the manifest of "${m.name}" ` +
          `(${current.missing.length} missing, ${current.mismatched.length} changed); move it away or pass --force`,
      );
    }
  }

  const createdDataDir = !existsSync(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const cacheDir = join(dataDir, '.downloads');
  const tmp = mkdtempSync(join(dataDir, `.fetch-${m.name}-`));
  const downloads: DownloadRecord[] = [];
  const warnings: string[] = [];
  const newlyCached: string[] = [];
  try {
    for (const entry of m.source.urls) {
      const url = downloadUrl(entry, mirror);
      const name = downloadName(entry);
      const cacheFile = cacheFileFor(cacheDir, url);
      let data: Buffer | undefined;
      let cached = false;
      if (existsSync(cacheFile)) {
        const c = readInputFile(cacheFile, { what: 'cached download', maxBytes: maxDownloadBytes() });
        if (entry.sha256 === undefined || sha256Bytes(c) === entry.sha256) {
          data = c;
          cached = true;
          log(`using cached ${name}`);
        }
      }
      if (data === undefined) {
        log(`downloading ${url}`);
        data = await download(url, timeoutMs);
      }
      const sha = sha256Bytes(data);
      if (entry.sha256 !== undefined && sha !== entry.sha256) {
        throw new InputError(`checksum mismatch for ${url}: sha256 ${sha}, expected ${entry.sha256}`);
      }
      if (!cached && opts.keepDownloads !== false) {
        try {
          mkdirSync(cacheDir, { recursive: true });
          writeFileSync(`${cacheFile}.part`, data);
          renameSync(`${cacheFile}.part`, cacheFile);
        } catch (e) {
          rmSync(`${cacheFile}.part`, { force: true });
          throw fsInputError('cannot write the download cache', cacheFile, e);
        }
        newlyCached.push(cacheFile);
      }
      downloads.push({ url, name, bytes: data.length, sha256: sha, cached });
      const r = await extractInto(data, entry, tmp, name, entry.url);
      for (const w of r.warnings) warnings.push(w);
      log(`${name}: ${r.written.length} file(s) extracted`);
    }
    const check = verifyTree(tmp, m.files);
    if (!check.ok) {
      const problems = describeProblems(check, 3).join('; ');
      throw new InputError(
        `downloaded files do not match the manifest of "${m.name}" (${check.missing.length} missing, ${check.mismatched.length} changed): ${problems}`,
      );
    }
    mkdirSync(dirname(root), { recursive: true });
    if (existsSync(root)) {
      const old = `${root}.old-${process.pid}-${Date.now()}`;
      renameSync(root, old);
      renameSync(tmp, root);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, root);
    }
    if (opts.keepDownloads === false) rmSync(cacheDir, { recursive: true, force: true });
    return { dataset: m.name, root, status: 'fetched', downloads, verify: { dataset: m.name, root, ...check }, warnings };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    // Downloads of a failed fetch are not kept: a refused or non-matching archive must not be reused.
    for (const f of newlyCached) rmSync(f, { force: true });
    removeIfEmpty(cacheDir);
    if (createdDataDir) removeIfEmpty(dataDir);
    throw e;
  }
}
