// Owns reading an experiment file: YAML parsed with positions, validated with the zod schema; every
// error names the file, the field path and the line.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { resolveInlinePaths } from '../prepare/inline.js';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { InputError } from '../errors.js';
import type { z } from 'zod';
import { experimentSchema, type Experiment } from './schema.js';

function nodeAt(doc: ReturnType<typeof parseDocument>, path: readonly PropertyKey[]): Node | undefined {
  let node: unknown = doc.contents;
  let last: Node | undefined = node as Node | undefined;
  for (const key of path) {
    if (isMap(node)) node = node.get(key as string, true);
    else if (isSeq(node)) node = node.get(Number(key), true);
    else break;
    if (node === undefined) break;
    last = node as Node;
  }
  return last;
}

/** Parses YAML text and validates it with a zod schema; errors name the file, the field path and the line. */
export function parseYamlWith<S extends z.ZodType>(schema: S, text: string, file: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.pos ? lineCounter.linePos(e.pos[0]).line : undefined;
    throw new InputError(`invalid YAML: ${e.message.split('\n')[0]}`, { file, line });
  }
  const result = schema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map(String);
    const node = nodeAt(doc, issue.path as PropertyKey[]);
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    const field = path.length > 0 ? path.join('.') : '(top level)';
    throw new InputError(`field ${field}: ${issue.message}`, { file, line });
  }
  return result.data;
}

/** Parses an experiment; inline datasets' relative paths are resolved against the file's folder. */
export function parseExperiment(text: string, file: string): Experiment {
  const exp = parseYamlWith(experimentSchema, text, file);
  const base = dirname(resolve(file));
  for (const entry of exp.datasets) {
    for (const part of [entry, ...entry.with]) if (part.inline !== undefined) part.inline = resolveInlinePaths(part.inline, base);
  }
  return exp;
}

export function loadExperiment(file: string): Experiment {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read experiment file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
  return parseExperiment(text, file);
}
