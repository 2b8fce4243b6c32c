// Test-only archive builders: raw tar (via node-tar's Header, so hostile member names like '../evil'
// can be written), a minimal stored-entry zip writer, and a 127.0.0.1 HTTP server for fetch tests.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';

export interface TarMember {
  path: string;
  body?: string | Buffer;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link';
  linkpath?: string;
}

export function tarBytes(members: readonly TarMember[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const body = m.body === undefined ? Buffer.alloc(0) : Buffer.from(m.body);
    const type = m.type ?? 'File';
    const h = new Header({
      path: m.path,
      mode: type === 'Directory' ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      size: type === 'File' ? body.length : 0,
      mtime: new Date(0),
      type,
      linkpath: m.linkpath,
    });
    const hb = Buffer.alloc(512);
    h.encode(hb, 0);
    blocks.push(hb);
    if (type === 'File' && body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function tarGz(members: readonly TarMember[]): Buffer {
  return gzipSync(tarBytes(members));
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipMember {
  path: string;
  body?: string | Buffer;
  /** Unix mode stored in the external attributes (0o120777 marks a symlink whose body is the target). */
  mode?: number;
}

/** A zip with stored (uncompressed) entries; names are written as given. */
export function zipBytes(members: readonly ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.path, 'utf8');
    const body = m.body === undefined ? Buffer.alloc(0) : Buffer.from(m.body);
    const crc = crc32(body);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(0, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(body.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((((m.mode ?? (m.path.endsWith('/') ? 0o40755 : 0o100644)) << 16) >>> 0), 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export interface TestServer {
  base: string;
  files: Map<string, Buffer>;
  requests: string[];
  close(): Promise<void>;
}

/** Serves `files` (URL path without the leading '/') on 127.0.0.1 at a free port; 404 otherwise. */
export async function serve(files: Map<string, Buffer> = new Map()): Promise<TestServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').replace(/^\//, ''));
    requests.push(path);
    const body = files.get(path);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}/`,
    files,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
