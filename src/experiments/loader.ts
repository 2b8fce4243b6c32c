// Owns reading an experiment file: YAML parsed with positions, validated with the zod schema; every
// error names the file, the field path and the line.

import { dirname, resolve } from 'node:path';
import { resolveInlinePaths } from '../prepare/inline.js';
import { LineCounter, parseDocument, isMap, isSeq, visit, type Node } from 'yaml';
import { InputError } from '../errors.js';
import { LIMITS, readInputText } from '../input.js';
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

const DECIMAL_RE = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Parses YAML text and validates it with a zod schema; errors name the file, the field path and the line. */
export function parseYamlWith<S extends z.ZodType>(schema: S, text: string, file: string): z.output<S> {
  if (text.length > LIMITS.experiment) {
    throw new InputError(`YAML text too large (${text.length} characters)`, { file, expected: `at most ${LIMITS.experiment} characters` });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.pos ? lineCounter.linePos(e.pos[0]).line : undefined;
    throw new InputError(`invalid YAML: ${e.message.split('\n')[0]}`, { file, line });
  }
  // Numbers only in plain decimal notation: 0x6, 0o7, .inf or .nan are refused, not silently converted.
  let badNumber: { line: number; text: string } | undefined;
  visit(doc, {
    Scalar(_, node) {
      if (badNumber !== undefined || typeof node.value !== 'number' || node.range === undefined || node.range === null) return;
      const src = text.slice(node.range[0], node.range[1]);
      if (!DECIMAL_RE.test(src)) badNumber = { line: lineCounter.linePos(node.range[0]).line, text: src };
    },
  });
  if (badNumber !== undefined) {
    throw new InputError('number not in decimal notation', { file, line: badNumber.line, text: badNumber.text, expected: 'a decimal number such as 6, -3 or 0.15' });
  }
  let data: unknown;
  try {
    // Aliases are expanded at most 100 times over (an "alias bomb" of nested anchors is refused).
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new InputError(`invalid YAML: ${/alias/i.test(msg) ? 'too many alias expansions (a YAML alias bomb?)' : msg.split('\n')[0]}`, {
      file,
      expected: 'plain YAML (anchors and aliases used sparingly)',
    });
  }
  const result = schema.safeParse(data);
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
  const text = readInputText(file, { what: 'experiment file', maxBytes: LIMITS.experiment });
  return parseExperiment(text, file);
}
