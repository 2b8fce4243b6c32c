// Owns safe extraction of one downloaded file (tar, tar.gz, zip, gz or plain) into a folder. Every
// member path is checked before anything is written: absolute paths, '..' components, backslashes and
// links (symbolic or hard) that resolve outside the archive are refused with an InputError. Links that
// stay inside are materialised as copies, so no symlink is ever created on disk. Members go through
// `select` / `exclude` / `strip` / `into` (see the manifest's download entries). Member contents are
// streamed chunk by chunk into numbered files of a staging folder inside the destination (never held
// whole in memory), and moved to their paths only once every member has been validated; on any refusal
// the staging folder is removed, so nothing is extracted.

import { createGunzip } from 'node:zlib';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, posix, resolve, sep } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import yauzl from 'yauzl';
import { InputError } from '../errors.js';
import { compileRegex } from '../safe-regex.js';

export interface ExtractSpec {
  extract: 'tar.gz' | 'tar' | 'zip' | 'gz' | 'none';
  into?: string;
  as?: string;
  strip: number;
  select?: string;
  exclude?: string;
}

/**
 * Most bytes one download may extract (the sum of every member's size, read or skipped), so a zip or gzip
 * bomb stops early: default 4 GiB - 1, or $STIDEBENCH_MAX_EXTRACT_BYTES.
 */
export function maxExtractBytes(): number {
  const v = Number(process.env['STIDEBENCH_MAX_EXTRACT_BYTES']);
  return Number.isSafeInteger(v) && v > 0 ? Math.min(v, 2 ** 32 - 1) : 2 ** 32 - 1;
}

/** Most members one archive may hold. */
export const MAX_MEMBERS = 1_000_000;

function tooLarge(what: string, limit: number): InputError {
  return new InputError(
    `refusing to extract ${what}: it inflates beyond ${limit} bytes (a zip or gzip bomb?); nothing was extracted (raise STIDEBENCH_MAX_EXTRACT_BYTES if the archive is genuine)`,
  );
}

export interface ExtractResult {
  /** Paths written, relative to the destination folder, sorted. */
  written: string[];
  warnings: string[];
}

type MemberKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

interface Member {
  path: string;
  kind: MemberKind;
  linkpath?: string;
  /** The staging file holding the member's content (file members that were kept). */
  file?: string;
  rawType: string;
}

/** Bytes of a tar(.gz) download handed to the parser at a time (so inflated data streams through). */
const TAR_SLICE = 1 << 16;

/** Longest symlink target read from a zip member (its content). */
const MAX_LINK_TARGET = 4096;

/** Numbered staging files: each member's content is appended chunk by chunk, never held whole. */
class Staging {
  readonly dir: string;
  private n = 0;
  constructor(dest: string) {
    try {
      this.dir = mkdtempSync(join(dest, '.stidebench-extract-'));
    } catch (e) {
      throw new InputError(`cannot extract into ${dest}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  /** A writer for the next member: write(chunk)... then close(); returns the staging path. */
  open(): { path: string; write: (c: Uint8Array) => void; close: () => void } {
    const path = join(this.dir, String(this.n++));
    let fd: number | undefined;
    const io = (f: () => void): void => {
      try {
        f();
      } catch (e) {
        throw new InputError(`cannot write extracted data to ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    };
    io(() => (fd = openSync(path, 'wx')));
    return {
      path,
      write: (c) => io(() => void writeSync(fd!, c)),
      close: () => {
        if (fd !== undefined) io(() => closeSync(fd!));
        fd = undefined;
      },
    };
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function refuse(what: string, member: string, why: string): InputError {
  return new InputError(`refusing to extract ${what}: member ${JSON.stringify(member)} ${why}; nothing was extracted`);
}

/** Validates a member path and returns it normalised ('/'-separated, no '.', no empty components). */
export function checkMemberPath(raw: string, what: string): string {
  if (raw.includes('\0')) throw refuse(what, raw, 'contains a NUL byte');
  if (raw.includes('\\')) throw refuse(what, raw, 'contains a backslash');
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) throw refuse(what, raw, 'is an absolute path');
  const parts = raw.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) throw refuse(what, raw, 'contains ".."');
  return parts.join('/');
}

/** Where a link member points, as a normalised archive path; throws if it leaves the archive. */
function linkTarget(m: Member, what: string): string {
  const lp = m.linkpath ?? '';
  if (lp === '' || lp.includes('\0')) throw refuse(what, m.path, 'is a link with an empty or invalid target');
  if (lp.startsWith('/') || /^[A-Za-z]:/.test(lp) || lp.includes('\\')) {
    throw refuse(what, m.path, `is a link pointing outside the target (to ${JSON.stringify(lp)})`);
  }
  // Symlink targets are relative to the link's folder; hard link targets are archive paths.
  const base = m.kind === 'symlink' ? posix.dirname(m.path) : '.';
  const joined = posix.normalize(posix.join(base, lp));
  if (joined === '..' || joined.startsWith('../')) {
    throw refuse(what, m.path, `is a link pointing outside the target (to ${JSON.stringify(lp)})`);
  }
  return joined === '.' ? '' : joined;
}

/** Applies exclude / select / strip / into; null = not extracted. */
export function mapMemberPath(path: string, spec: ExtractSpec): string | null {
  if (spec.exclude !== undefined && compileRegex(spec.exclude).test(path)) return null;
  let out = path;
  if (spec.select !== undefined) {
    const m = compileRegex(spec.select).exec(path);
    if (m === null) return null;
    if (m[1] !== undefined) out = m[1];
  }
  const parts = out.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.length <= spec.strip) return null;
  if (parts.includes('..')) return null; // cannot happen after checkMemberPath; kept as a second fence
  const rest = parts.slice(spec.strip).join('/');
  return spec.into !== undefined ? `${spec.into}/${rest}` : rest;
}

/** Reads all tar members; file contents are staged only where `keep(path)` (unselected data is skipped). */
function readTar(data: Buffer, what: string, keep: (rawPath: string) => boolean, staging: Staging): Promise<Member[]> {
  return new Promise((resolvePromise, reject) => {
    const members: Member[] = [];
    let failed = false;
    const limit = maxExtractBytes();
    let total = 0;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      const msg = e instanceof Error ? e.message : String(e);
      reject(e instanceof InputError ? e : new InputError(`${what} is not a valid tar archive: ${msg}`));
      parser.abort(e instanceof Error ? e : new Error(msg));
    };
    const parser: Parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        if (failed) return entry.resume();
        // Declared sizes count before any byte is inflated: a bomb is refused at its first big member.
        total += Math.max(0, entry.size ?? 0);
        if (total > limit) return fail(tooLarge(what, limit));
        if (members.length >= MAX_MEMBERS) return fail(new InputError(`refusing to extract ${what}: more than ${MAX_MEMBERS} members; nothing was extracted`));
        const type = entry.type;
        const kind: MemberKind =
          type === 'File' || type === 'OldFile' || type === 'ContiguousFile'
            ? 'file'
            : type === 'Directory' || type === 'GNUDumpDir'
              ? 'dir'
              : type === 'SymbolicLink'
                ? 'symlink'
                : type === 'Link'
                  ? 'hardlink'
                  : 'other';
        const member: Member = { path: entry.path, kind, rawType: type, linkpath: entry.linkpath };
        members.push(member);
        if (kind !== 'file' || !keep(entry.path)) {
          entry.resume();
          return;
        }
        let out: ReturnType<Staging['open']>;
        try {
          out = staging.open();
        } catch (e) {
          return fail(e);
        }
        member.file = out.path;
        entry.on('data', (c: Buffer) => {
          if (failed) return;
          try {
            out.write(c);
          } catch (e) {
            out.close();
            fail(e);
          }
        });
        entry.on('end', () => out.close());
      },
    });
    parser.on('error', fail);
    parser.on('abort', () => {});
    parser.on('end', () => {
      if (!failed) resolvePromise(members);
    });
    try {
      // In slices: given the whole download at once, the parser's gunzip would inflate all of it into
      // one buffer before the first member byte reaches us.
      for (let at = 0; at < data.length && !failed; at += TAR_SLICE) parser.write(data.subarray(at, at + TAR_SLICE));
      if (!failed) parser.end();
    } catch (e) {
      fail(e);
    }
  });
}

function readZip(data: Buffer, what: string, staging: Staging): Promise<Member[]> {
  return new Promise((resolvePromise, reject) => {
    const bad = (e: unknown): InputError =>
      e instanceof InputError ? e : new InputError(`${what} is not a valid zip archive or has an unsafe member: ${(e as Error).message}`);
    yauzl.fromBuffer(data, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(bad(err));
      const members: Member[] = [];
      const limit = maxExtractBytes();
      let total = 0;
      let failed = false;
      const stop = (e: InputError): void => {
        if (failed) return;
        failed = true;
        try {
          zip.close();
        } catch {
          // already closed
        }
        reject(e);
      };
      zip.on('error', (e: unknown) => {
        if (!failed) stop(bad(e));
      });
      zip.on('end', () => {
        if (!failed) resolvePromise(members);
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        if (failed) return;
        // yauzl checks each member inflates to exactly its declared size (validateEntrySizes), so the sum
        // of declared sizes bounds the work before anything is inflated.
        total += entry.uncompressedSize;
        if (total > limit) return stop(tooLarge(what, limit));
        if (members.length >= MAX_MEMBERS) return stop(new InputError(`refusing to extract ${what}: more than ${MAX_MEMBERS} members; nothing was extracted`));
        const isDir = entry.fileName.endsWith('/');
        const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
        const isLink = mode === 0o120000;
        if (isDir) {
          members.push({ path: entry.fileName, kind: 'dir', rawType: 'directory' });
          zip.readEntry();
          return;
        }
        if (isLink && entry.uncompressedSize > MAX_LINK_TARGET) {
          return stop(refuse(what, entry.fileName, `is a link whose target is longer than ${MAX_LINK_TARGET} bytes`));
        }
        zip.openReadStream(entry, (e2, stream) => {
          if (e2 || !stream) return stop(bad(e2));
          // A link's target is small (checked above); a file streams to its staging file.
          const chunks: Buffer[] = [];
          let out: ReturnType<Staging['open']> | undefined;
          try {
            if (!isLink) out = staging.open();
          } catch (e) {
            return stop(bad(e));
          }
          stream.on('data', (c: Buffer) => {
            if (failed) return;
            if (out === undefined) return void chunks.push(c);
            try {
              out.write(c);
            } catch (e) {
              out.close();
              stream.destroy();
              stop(bad(e));
            }
          });
          stream.on('error', (e3: unknown) => {
            out?.close();
            if (!failed) stop(bad(e3));
          });
          stream.on('end', () => {
            out?.close();
            if (failed) return;
            if (isLink) members.push({ path: entry.fileName, kind: 'symlink', linkpath: Buffer.concat(chunks).toString('utf8'), rawType: 'symlink' });
            else members.push({ path: entry.fileName, kind: 'file', file: out!.path, rawType: 'file' });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

function defaultName(url: string, extract: ExtractSpec['extract']): string {
  const raw = new URL(url).pathname.split('/').filter(Boolean).pop() ?? 'download';
  let last: string;
  try {
    last = decodeURIComponent(raw);
  } catch {
    throw new InputError(`refusing to extract: the URL's file name ${JSON.stringify(raw)} is not valid percent-encoding`, { expected: 'a download entry with `as` or a plain URL file name' });
  }
  return extract === 'gz' ? last.replace(/\.gz$/, '') : last;
}

/** Moves (or, when `copy`, copies) the staged file `src` to `rel` below `dest` (which must exist), inside-checked. */
function placeInside(dest: string, rel: string, src: string, copy: boolean): void {
  const abs = resolve(dest, ...rel.split('/'));
  if (!abs.startsWith(resolve(dest) + sep)) throw new InputError(`refusing to write outside the target: ${rel}`);
  try {
    mkdirSync(dirname(abs), { recursive: true });
    if (copy) copyFileSync(src, abs);
    else renameSync(src, abs);
  } catch (e) {
    throw new InputError(`cannot write extracted member ${rel}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Gunzips `data` into a staging file, stopping at `limit` bytes; refuses trailing bytes after the stream. */
function gunzipTo(data: Buffer, what: string, limit: number, staging: Staging): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const out = staging.open();
    const z = createGunzip();
    let total = 0;
    let done = false;
    const fail = (e: InputError): void => {
      if (done) return;
      done = true;
      out.close();
      z.destroy();
      reject(e);
    };
    z.on('data', (c: Buffer) => {
      if (done) return;
      total += c.length;
      if (total > limit) return fail(tooLarge(what, limit));
      try {
        out.write(c);
      } catch (e) {
        fail(e as InputError);
      }
    });
    z.on('error', (e) => fail(new InputError(`${what} is not valid gzip data: ${e.message}`)));
    z.on('end', () => {
      if (done) return;
      // Node reads concatenated gzip members; anything it did not consume is trailing data.
      if (z.bytesWritten !== data.length) {
        return fail(new InputError(`${what} is not valid gzip data: ${data.length - z.bytesWritten} byte(s) of trailing data after the gzip stream; nothing was extracted`));
      }
      done = true;
      out.close();
      resolvePromise(out.path);
    });
    z.end(data);
  });
}

/**
 * Extracts one downloaded file into `dest`. `what` names the download in messages; `url` gives the
 * default target name for 'gz' and 'none'. All members are validated before the first write.
 */
export async function extractInto(data: Buffer, spec: ExtractSpec, dest: string, what: string, url: string): Promise<ExtractResult> {
  const warnings: string[] = [];
  if (spec.extract === 'none' || spec.extract === 'gz') {
    const rel = spec.as ?? (spec.into !== undefined ? `${spec.into}/` : '') + defaultName(url, spec.extract);
    const target = checkMemberPath(rel, what);
    const staging = new Staging(dest);
    try {
      let src: string;
      if (spec.extract === 'gz') src = await gunzipTo(data, what, maxExtractBytes(), staging);
      else {
        const out = staging.open();
        out.write(data);
        out.close();
        src = out.path;
      }
      refuseStagingName(target, staging, what);
      placeInside(dest, target, src, false);
    } finally {
      staging.remove();
    }
    return { written: [target], warnings };
  }

  const keep = (raw: string): boolean => {
    try {
      return mapMemberPath(checkMemberPath(raw, what), spec) !== null;
    } catch {
      return false; // refused below, when every member is validated
    }
  };
  const staging = new Staging(dest);
  try {
    const members = spec.extract === 'zip' ? await readZip(data, what, staging) : await readTar(data, what, keep, staging);

    // Pass 1: validate everything, map paths; nothing is placed yet.
    const files = new Map<string, string>(); // mapped path -> staging file ('' = empty member)
    const byArchivePath = new Map<string, string>(); // archive path -> staging file (for links)
    const links: { mapped: string; target: string; member: string }[] = [];
    for (const m of members) {
      const path = checkMemberPath(m.path, what);
      if (m.kind === 'symlink' || m.kind === 'hardlink') {
        const target = linkTarget({ ...m, path }, what);
        const mapped = mapMemberPath(path, spec);
        if (mapped !== null) links.push({ mapped, target, member: m.path });
        continue;
      }
      if (m.kind === 'file' && m.file !== undefined) byArchivePath.set(path, m.file);
      if (m.kind === 'other') {
        warnings.push(`${what}: skipped member ${m.path} of type ${m.rawType}`);
        continue;
      }
      if (m.kind !== 'file') continue;
      const mapped = mapMemberPath(path, spec);
      if (mapped === null) continue;
      checkMemberPath(mapped, what);
      refuseStagingName(mapped, staging, what);
      files.set(mapped, m.file ?? '');
    }
    // Link members by their normalised path (the first one, as before), so each hop of a link chain is
    // one map lookup: linear in the number of links, not quadratic.
    const linkByPath = new Map<string, string>();
    for (const m of members) {
      if (m.kind !== 'symlink' && m.kind !== 'hardlink') continue;
      const path = checkMemberPath(m.path, what);
      if (!linkByPath.has(path)) linkByPath.set(path, linkTarget({ ...m, path }, what));
    }
    for (const l of links) {
      // Follow link chains inside the archive (bounded, so a cycle cannot hang).
      let target = l.target;
      let body = byArchivePath.get(target);
      for (let hops = 0; body === undefined && hops < 16; hops++) {
        const next = linkByPath.get(target);
        if (next === undefined) break;
        target = next;
        body = byArchivePath.get(target);
      }
      if (body === undefined) warnings.push(`${what}: skipped link ${l.member} (its target ${target || '.'} is not an extracted file)`);
      else {
        refuseStagingName(l.mapped, staging, what);
        files.set(l.mapped, body);
      }
    }

    // Pass 2: place. A staging file used by several paths (links) is copied, and moved for its last use.
    const written = [...files.keys()].sort();
    const uses = new Map<string, number>();
    for (const src of files.values()) uses.set(src, (uses.get(src) ?? 0) + 1);
    for (const rel of written) {
      let src = files.get(rel)!;
      if (src === '') {
        const out = staging.open(); // an empty member (or one whose content was not staged)
        out.close();
        src = out.path;
        placeInside(dest, rel, src, false);
        continue;
      }
      const left = uses.get(src)!;
      uses.set(src, left - 1);
      placeInside(dest, rel, src, left > 1);
    }
    return { written, warnings };
  } finally {
    staging.remove();
  }
}

/** A member may not land in the staging folder itself. */
function refuseStagingName(rel: string, staging: Staging, what: string): void {
  if (rel.split('/')[0] === basename(staging.dir)) throw refuse(what, rel, 'collides with the extraction staging folder');
}
