// Owns reading members of a LID-DS 2021 recording zip without extracting anything to disk: streamed
// member by member with yauzl (the async path the experiments use: the .sc member is inflated in chunks
// that the parser consumes as they come), or from the zip's bytes in memory for the synchronous readers
// (central directory, stored or deflated members, zlib.inflateRawSync). Zip64, encryption and other
// compression methods are reported as InputError naming the file.

import { inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { InputError } from '../../errors.js';

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

function bad(file: string, what: string): InputError {
  return new InputError(`not a readable zip archive: ${what}`, { file, expected: 'a LID-DS 2021 recording zip (<name>.sc and <name>.json)' });
}

interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** The central directory of a zip held in memory. */
function centralDirectory(buf: Buffer, file: string): CentralEntry[] {
  // The end-of-central-directory record is in the last 22 + 65535 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad(file, 'no end of central directory record');
  const count = buf.readUInt16LE(eocd + 10);
  const size = buf.readUInt32LE(eocd + 12);
  const offset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) throw bad(file, 'zip64 archives are not supported by the synchronous reader');
  if (offset + size > buf.length) throw bad(file, 'central directory beyond the end of the file (truncated?)');
  const out: CentralEntry[] = [];
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CEN_SIG) throw bad(file, `central directory entry ${i + 1} is damaged`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    out.push({
      flags: buf.readUInt16LE(p + 8),
      method: buf.readUInt16LE(p + 10),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      localOffset: buf.readUInt32LE(p + 42),
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Names of the members of an in-memory zip, in central-directory order. */
export function zipMemberNamesSync(buf: Buffer, file: string): string[] {
  return centralDirectory(buf, file).map((e) => e.name);
}

/** The uncompressed bytes of one member of an in-memory zip; null when there is no such member. */
export function readZipMemberSync(buf: Buffer, file: string, name: string): Buffer | null {
  const e = centralDirectory(buf, file).find((x) => x.name === name);
  if (e === undefined) return null;
  if (e.flags & 1) throw bad(file, `member ${name} is encrypted`);
  const p = e.localOffset;
  if (p + 30 > buf.length || buf.readUInt32LE(p) !== LOC_SIG) throw bad(file, `local header of ${name} is damaged`);
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  const data = buf.subarray(start, start + e.compressedSize);
  if (data.length !== e.compressedSize) throw bad(file, `member ${name} is truncated`);
  let out: Buffer;
  if (e.method === 0) out = data;
  else if (e.method === 8) {
    try {
      out = inflateRawSync(data);
    } catch (err) {
      throw bad(file, `member ${name}: ${(err as Error).message}`);
    }
  } else throw bad(file, `member ${name} uses compression method ${e.method} (only stored and deflate are supported)`);
  if (out.length !== e.size) throw bad(file, `member ${name} inflates to ${out.length} bytes, the directory says ${e.size}`);
  return out;
}

/** An open zip for streaming reads (yauzl): member names, and one member's bytes as chunks. */
export interface ZipReader {
  names: string[];
  /** Calls `onChunk` with each inflated chunk of the member, in order; resolves at its end. */
  stream(name: string, onChunk: (chunk: Buffer) => void): Promise<void>;
  /** The whole member. */
  read(name: string): Promise<Buffer>;
  close(): void;
}

/** Opens a zip file for streaming reads (central directory read, nothing inflated yet). */
export function openZip(file: string): Promise<ZipReader> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        return reject(code ? new InputError(`cannot read file: ${code}`, { file }) : bad(file, err?.message ?? 'unknown error'));
      }
      const entries = new Map<string, yauzl.Entry>();
      zip.on('error', (e: Error) => reject(bad(file, e.message)));
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.set(entry.fileName, entry);
        zip.readEntry();
      });
      zip.on('end', () => {
        const stream = (name: string, onChunk: (chunk: Buffer) => void): Promise<void> =>
          new Promise((res, rej) => {
            const entry = entries.get(name);
            if (entry === undefined) return rej(new InputError(`zip has no member ${name}`, { file }));
            zip.openReadStream(entry, (e, rs) => {
              if (e || !rs) return rej(bad(file, `member ${name}: ${e?.message ?? 'cannot open'}`));
              rs.on('data', (c: Buffer) => {
                try {
                  onChunk(c);
                } catch (pe) {
                  rs.destroy();
                  rej(pe);
                }
              });
              rs.on('error', (re: Error) => rej(re instanceof InputError ? re : bad(file, `member ${name}: ${re.message}`)));
              rs.on('end', () => res());
            });
          });
        resolve({
          names: [...entries.keys()],
          stream,
          read: async (name) => {
            const parts: Buffer[] = [];
            await stream(name, (c) => parts.push(c));
            return Buffer.concat(parts);
          },
          close: () => zip.close(),
        });
      });
      zip.readEntry();
    });
  });
}
