// Owns the public face of the syscall tables: the built-in tables by name, plus re-exports of the
// UNM calls.txt loader, the growable names table and the SunOS -> Linux mapping.

import { existsSync } from 'node:fs';
import { InputError } from '../../errors.js';
import type { SyscallTable } from '../trace.js';
import { loadCallsTable } from './unm-calls.js';
import { linuxI386 } from './linux-i386.js';
import { linuxX86_64 } from './linux-x86_64.js';
import { namesTable } from './names.js';

export { ArraySyscallTable } from './array-table.js';
export { LINUX_I386_NAMES, linuxI386 } from './linux-i386.js';
export { LINUX_X86_64_NAMES, linuxX86_64 } from './linux-x86_64.js';
export { NamesTable, namesTable } from './names.js';
export { isCallsTableName, loadCallsTable, parseCallsTable, sunosToLinux } from './unm-calls.js';
export type { CallsTableOptions } from './unm-calls.js';

export const BUILTIN_TABLE_NAMES = ['linux-i386', 'linux-x86_64', 'names'] as const;
export type BuiltinTableName = (typeof BUILTIN_TABLE_NAMES)[number];

export function tableByName(name: BuiltinTableName): SyscallTable;
export function tableByName(name: string): SyscallTable | undefined;
export function tableByName(name: string): SyscallTable | undefined {
  switch (name) {
    case 'linux-i386':
      return linuxI386;
    case 'linux-x86_64':
      return linuxX86_64;
    case 'names':
      return namesTable;
    default:
      return undefined;
  }
}

/** A table named on the command line: a built-in table's name or the path of a UNM calls.txt file. */
export function resolveTable(spec: string | undefined): SyscallTable | undefined {
  if (spec === undefined) return undefined;
  const t = tableByName(spec);
  if (t !== undefined) return t;
  if (existsSync(spec)) return loadCallsTable(spec);
  throw new InputError(`unknown syscall table ${JSON.stringify(spec)}`, { expected: 'linux-x86_64, linux-i386, names, or a calls.txt file' });
}
