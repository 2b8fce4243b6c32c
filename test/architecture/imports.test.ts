// The house shows its shape: no folder-level import cycles in src/ (type-only imports count: a type
// is a dependency too), and every source file opens with a comment saying what it owns. The checker (scripts/import-graph.ts) is tested on a small tree first, so a
// green run means the graph was really read.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeCycles, fileImports, folderCycles, folderGraph, sourceFiles } from '../../scripts/import-graph.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * Folder edges allowed to close a cycle: none. (While cycles were being removed this listed them; an
 * entry that no longer exists fails the test, so the list could only shrink.)
 */
const KNOWN_CYCLE_EDGES: readonly string[] = [];

describe('the import-graph checker', () => {
  it('finds a cycle through static, type-only, re-export and dynamic imports, and names the files', () => {
    const root = mkdtempSync(join(tmpdir(), 'stidebench-graph-'));
    try {
      const put = (p: string, text: string) => {
        mkdirSync(dirname(join(root, p)), { recursive: true });
        writeFileSync(join(root, p), text);
      };
      put('a/one.ts', "import { b } from '../b/two.js';\nexport const a = b;\n");
      put('b/two.ts', "import type { C } from '../c/index.js';\nexport const b = 1;\nexport type B = C;\n");
      put('c/index.ts', "export * from './inner.js';\nexport type C = number;\n");
      put('c/inner.ts', "export async function f() { return import('../a/one.js'); }\n");
      put('d.ts', "import { a } from './a/one.js';\nimport { z } from 'zod';\nexport const d = [a, z];\n");
      const imports = fileImports(root);
      expect(imports).toEqual([
        { from: 'a/one.ts', to: 'b/two.ts' },
        { from: 'b/two.ts', to: 'c/index.ts' },
        { from: 'c/index.ts', to: 'c/inner.ts' },
        { from: 'c/inner.ts', to: 'a/one.ts' },
        { from: 'd.ts', to: 'a/one.ts' },
      ]);
      const g = folderGraph(imports);
      expect(folderCycles(g.edges)).toEqual([['a', 'b', 'c']]);
      expect(describeCycles(g)).toEqual([
        'cycle between folders a, b, c:',
        '  a -> b: a/one.ts imports b/two.ts',
        '  b -> c: b/two.ts imports c/index.ts',
        '  c -> a: c/inner.ts imports a/one.ts',
      ]);
      // Break one edge: no cycle left.
      put('c/inner.ts', 'export const g = 1;\n');
      expect(describeCycles(folderGraph(fileImports(root)))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reports two separate cycles separately', () => {
    const edges = new Map([
      ['a', ['b']],
      ['b', ['a']],
      ['c', ['d']],
      ['d', ['c', 'a']],
    ]);
    expect(folderCycles(edges)).toEqual([['a', 'b'], ['c', 'd']]);
  });
});

describe('src/', () => {
  const g = folderGraph(fileImports(SRC));

  it('reads the real tree (every core folder is a node)', () => {
    for (const f of ['traces', 'datasets', 'detectors', 'eval', 'experiments', 'report']) expect(g.edges.has(f), f).toBe(true);
  });

  it('has no folder-level import cycle', () => {
    for (const e of KNOWN_CYCLE_EDGES) expect(g.evidence.has(e), `known cycle edge ${e} is gone: delete it from KNOWN_CYCLE_EDGES`).toBe(true);
    const edges = new Map([...g.edges].map(([a, bs]) => [a, bs.filter((b) => !KNOWN_CYCLE_EDGES.includes(`${a} -> ${b}`))]));
    expect(describeCycles({ edges, evidence: g.evidence })).toEqual([]);
  });
});

describe('every source file says what it owns', () => {
  it('opens (after a shebang) with a // Owns … comment', () => {
    const missing = sourceFiles(SRC).filter((f) => {
      const lines = readFileSync(join(SRC, f), 'utf8').split('\n');
      const first = lines[0]!.startsWith('#!') ? lines[1] : lines[0];
      return !/^\/\/ Owns /.test(first ?? '');
    });
    expect(missing).toEqual([]);
  });
});

describe('the command line is in one place', () => {
  it('only src/cli.ts and src/cli/ use commander; nothing else imports src/cli/', () => {
    const users = sourceFiles(SRC).filter((f) => /from 'commander'/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(users.filter((f) => f !== 'cli.ts' && !f.startsWith('cli/'))).toEqual([]);
    const importers = fileImports(SRC).filter((i) => i.to.startsWith('cli/') && i.from !== 'cli.ts' && !i.from.startsWith('cli/'));
    expect(importers).toEqual([]);
  });
});

describe('compiler settings', () => {
  it('strict and noUncheckedIndexedAccess are on for every build (tsconfig.build.json extends tsconfig.json)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const base = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { extends?: string; compilerOptions: Record<string, unknown> };
    expect(base.compilerOptions).toMatchObject({ strict: true, noUncheckedIndexedAccess: true });
    expect(build.extends).toBe('./tsconfig.json');
    expect(build.compilerOptions['strict']).toBeUndefined();
    expect(build.compilerOptions['noUncheckedIndexedAccess']).toBeUndefined();
  });
});
