// Owns the growable names table for formats that print syscall names (strace without -n, CSV with
// names): the printed name IS the canonical name, so one process-wide table (id 'names') serves every
// file, and its raw numbers are stable for the life of the process.

import type { SyscallTable } from '../trace.js';

export class NamesTable implements SyscallTable {
  private readonly ids = new Map<string, number>();
  private readonly list: string[] = [];

  constructor(readonly id: string = 'names') {}

  /** Raw number of a name, adding it on first sight. */
  intern(name: string): number {
    let n = this.ids.get(name);
    if (n === undefined) {
      n = this.list.length;
      this.ids.set(name, n);
      this.list.push(name);
    }
    return n;
  }

  numberOf(name: string): number | undefined {
    return this.ids.get(name);
  }

  name(n: number): string {
    return this.list[n] ?? `${this.id}#${n}`;
  }

  get size(): number {
    return this.list.length;
  }
}

/** The one process-wide names table (id 'names'). */
export const namesTable = new NamesTable('names');
