// Owns the architecture check of the source tree: the import graph of src/ (every static, type-only,
// re-export and dynamic import of a relative module, read with the TypeScript scanner), folded to
// folders (src/<folder>/…; a file directly in src/ is its own node), and the folder-level cycles in it
// (strongly connected components), each with the file imports that close it. `npm test` runs it
// (test/architecture/) and `npx tsx scripts/import-graph.ts` prints the folder graph and any cycle.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface FileImport {
  from: string;
  to: string;
}

/** Every .ts file under root (sorted), paths relative to root with '/'. */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(root);
  return out;
}

/** Relative imports of every file under root, resolved to files under root ('./x.js' -> x.ts, './d' -> d/index.ts). */
export function fileImports(root: string): FileImport[] {
  const out: FileImport[] = [];
  for (const file of sourceFiles(root)) {
    const info = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    for (const ref of info.importedFiles) {
      const spec = ref.fileName;
      if (!spec.startsWith('.')) continue;
      const base = resolve(dirname(join(root, file)), spec);
      const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
      const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
      if (hit === undefined) continue; // not a source module (e.g. a JSON file): no folder edge
      out.push({ from: file, to: relative(root, hit).split(sep).join('/') });
    }
  }
  return out;
}

/** The node a file belongs to: its top folder under src, or the file itself when it sits in src/. */
export function folderOf(file: string): string {
  const i = file.indexOf('/');
  return i < 0 ? file : file.slice(0, i);
}

export interface FolderGraph {
  /** folder -> folders it imports (sorted). */
  edges: Map<string, string[]>;
  /** "a -> b" -> the file imports behind that folder edge. */
  evidence: Map<string, FileImport[]>;
}

export function folderGraph(imports: readonly FileImport[]): FolderGraph {
  const sets = new Map<string, Set<string>>();
  const evidence = new Map<string, FileImport[]>();
  for (const imp of imports) {
    const a = folderOf(imp.from);
    const b = folderOf(imp.to);
    if (!sets.has(a)) sets.set(a, new Set());
    if (!sets.has(b)) sets.set(b, new Set());
    if (a === b) continue;
    sets.get(a)!.add(b);
    const key = `${a} -> ${b}`;
    let list = evidence.get(key);
    if (list === undefined) evidence.set(key, (list = []));
    list.push(imp);
  }
  const edges = new Map<string, string[]>();
  for (const k of [...sets.keys()].sort()) edges.set(k, [...sets.get(k)!].sort());
  return { edges, evidence };
}

/** Strongly connected components with more than one folder (Tarjan), each sorted, in sorted order. */
export function folderCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!idx.has(v)) visit(v);
  return out.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** One line per folder edge inside each cycle, naming the first file import behind it. */
export function describeCycles(g: FolderGraph): string[] {
  const lines: string[] = [];
  for (const comp of folderCycles(g.edges)) {
    const inside = new Set(comp);
    lines.push(`cycle between folders ${comp.join(', ')}:`);
    for (const a of comp) {
      for (const b of g.edges.get(a) ?? []) {
        if (!inside.has(b)) continue;
        const ev = g.evidence.get(`${a} -> ${b}`)!;
        lines.push(`  ${a} -> ${b}: ${ev[0]!.from} imports ${ev[0]!.to}${ev.length > 1 ? ` (+${ev.length - 1} more)` : ''}`);
      }
    }
  }
  return lines;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? 'src');
  const g = folderGraph(fileImports(root));
  for (const [a, bs] of g.edges) console.log(`${a} -> ${bs.join(', ') || '(nothing)'}`);
  const problems = describeCycles(g);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log('no folder-level import cycles');
}
