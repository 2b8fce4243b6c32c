// Owns building the kernel backend: bpf/stide.bpf.c compiled with `clang -target bpf` (BTF + CO-RE) and
// the loader bpf/stide-loader.c with cc against libbpf (the Debian toolchain: clang, libbpf-dev), once per
// source version, into a cache folder (STIDEBENCH_CACHE, else ~/.cache/stidebench) named by a hash of
// the sources; concurrent builds each write a private folder and rename it into place. A missing
// toolchain or a failing compile is an InputError naming the install command.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';

export const KERNEL_TOOLCHAIN_INSTALL = 'apt-get install -y clang libbpf-dev';

export interface KernelBuild {
  /** The compiled eBPF object. */
  object: string;
  /** The loader executable. */
  loader: string;
}

/** The folder holding bpf/*.c (the package root's bpf/, from dist/live/ or src/live/). */
export function bpfSourceDir(): string {
  return fileURLToPath(new URL('../../bpf/', import.meta.url));
}

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new InputError(`the kernel backend needs ${cmd} to build its eBPF program (${code ?? r.error.message}); install the toolchain with \`${KERNEL_TOOLCHAIN_INSTALL}\``);
  }
  if (r.status !== 0) {
    const lines = `${r.stderr ?? ''}`.split('\n').filter((l) => /error/i.test(l));
    const first = lines[0] ?? `${r.stderr ?? ''}`.trim().split('\n')[0] ?? `exit status ${r.status}`;
    throw new InputError(`building the kernel backend's ${what} failed: ${first.trim()}`, { expected: `clang and libbpf-dev installed (\`${KERNEL_TOOLCHAIN_INSTALL}\`)` });
  }
}

/** The built program and loader, compiling them on first use. */
export function kernelBuild(cacheRoot = process.env.STIDEBENCH_CACHE ?? join(homedir(), '.cache', 'stidebench')): KernelBuild {
  const src = bpfSourceDir();
  const prog = join(src, 'stide.bpf.c');
  const loaderSrc = join(src, 'stide-loader.c');
  if (!existsSync(prog) || !existsSync(loaderSrc)) throw new InputError(`the kernel backend's sources are missing (${src}stide.bpf.c, stide-loader.c)`);
  const hash = createHash('sha256').update(readFileSync(prog)).update('\0').update(readFileSync(loaderSrc)).update(process.arch).digest('hex').slice(0, 16);
  const dir = join(cacheRoot, `kernel-${hash}`);
  const out: KernelBuild = { object: join(dir, 'stide.bpf.o'), loader: join(dir, 'stide-loader') };
  if (existsSync(out.object) && existsSync(out.loader)) return out;
  if (process.arch !== 'x64') throw new InputError(`the kernel backend is built for x86_64 (syscall numbers, BPF target); this machine is ${process.arch}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  try {
    run('clang', ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I/usr/include/x86_64-linux-gnu', '-c', prog, '-o', join(tmp, 'stide.bpf.o')], 'eBPF program');
    run('cc', ['-O2', '-o', join(tmp, 'stide-loader'), loaderSrc, '-lbpf'], 'loader (libbpf)');
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another process built the same version first: use theirs.
      if (!(existsSync(out.object) && existsSync(out.loader))) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}
