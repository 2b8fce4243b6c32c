// Owns the generic array-backed SyscallTable: name(n) from a literal list, `<id>#<n>` for numbers the
// list does not name, and a reverse lookup (name -> number) for callers that must renumber names.

import type { SyscallTable } from '../trace.js';

export class ArraySyscallTable implements SyscallTable {
  private reverse: Map<string, number> | undefined;

  /** `names[n]` is the canonical name of number n; null/undefined marks an unused number. */
  constructor(
    readonly id: string,
    readonly names: readonly (string | null | undefined)[],
  ) {}

  name(n: number): string {
    return this.names[n] ?? `${this.id}#${n}`;
  }

  /** True when the table has a real name for n (not the `<id>#<n>` fallback). */
  has(n: number): boolean {
    return this.names[n] != null;
  }

  /** Number of a canonical name (the lowest one if a name repeats), or undefined. */
  numberOf(name: string): number | undefined {
    if (this.reverse === undefined) {
      this.reverse = new Map();
      for (let i = 0; i < this.names.length; i++) {
        const n = this.names[i];
        if (n != null && !this.reverse.has(n)) this.reverse.set(n, i);
      }
    }
    return this.reverse.get(name);
  }

  get size(): number {
    return this.names.length;
  }
}
