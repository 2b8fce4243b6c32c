// Owns user-written regular expressions (manifest rules, subsets, select/exclude, experiment report
// groups, inline subsets): they are checked and compiled with RE2JS (a pure-JS port of RE2), whose
// matching time is linear in the input for every pattern, so no rule can backtrack catastrophically
// (V8's backtracking engine took 185 s on `.+\w+\w+$` against a 1 KiB path). The syntax is the common
// part of JavaScript and RE2: back-references and lookaround (which need backtracking) are refused with
// a reason, as are RE2-only constructs that JavaScript reads differently (`\a`, `\z`, `\Q..\E`, `\pN`).

import { RE2JS } from 're2js';
import { InputError } from './errors.js';

/** Longest pattern accepted (characters). */
export const MAX_PATTERN = 1000;

/** Largest compiled program (RE2's instruction count; the registry's largest pattern needs < 100). */
export const MAX_PROGRAM = 5000;

/** A match: [whole, group 1, ...], undefined for a group that did not take part (as RegExpExecArray). */
export type RegexMatch = readonly (string | undefined)[];

/** A compiled pattern: unanchored search, as RegExp.test / RegExp.exec, in time linear in the input. */
export interface SafeRegex {
  readonly source: string;
  test(s: string): boolean;
  exec(s: string): RegexMatch | null;
}

/** RE2-only escapes that JavaScript (without the u flag) reads as the plain letter. */
const RE2_ONLY_ESCAPES = new Set(['a', 'z', 'A', 'C', 'Q', 'E', 'p', 'P']);

/** Why the syntax needs a backtracking engine or means something else in RE2, or null. */
function syntaxProblem(src: string): string | null {
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const d = src[i + 1] ?? '';
      if (/[1-9]/.test(d) || (d === 'k' && src[i + 2] === '<')) return `regular expression uses a back-reference (${src.slice(i, i + 2)}); the linear-time engine does not support it`;
      if (RE2_ONLY_ESCAPES.has(d)) return `regular expression uses the escape \\${d}, which means something else in RE2 than in JavaScript`;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (src[i + 1] === '^') i++;
      // JavaScript reads `[]` as a class matching nothing and `[^]` as any character, RE2 as a literal ']'.
      if (src[i + 1] === ']') return `regular expression has an empty character class ([] or [^]), which RE2 reads differently`;
      continue;
    }
    if (c === '(' && src[i + 1] === '?') {
      const kind = src.slice(i, i + 4);
      if (kind.startsWith('(?=') || kind.startsWith('(?!') || kind.startsWith('(?<=') || kind.startsWith('(?<!')) {
        return `regular expression uses lookaround (${kind.startsWith('(?<') ? kind : kind.slice(0, 3)}); the linear-time engine does not support it`;
      }
    }
  }
  return null;
}

function compileRe2(src: string): RE2JS {
  return RE2JS.compile(src);
}

/**
 * Why `src` cannot be used as a rule pattern (one line, used as the schema message after the file and
 * field), or null when it compiles in both JavaScript's syntax and the linear-time engine.
 */
export function regexProblem(src: string): string | null {
  if (src.length > MAX_PATTERN) return `must be a regular expression of at most ${MAX_PATTERN} characters`;
  try {
    new RegExp(src);
  } catch (e) {
    return `must be a valid regular expression (${(e as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /s, '')})`;
  }
  const syntax = syntaxProblem(src);
  if (syntax !== null) return syntax;
  let re: RE2JS;
  try {
    re = compileRe2(src);
  } catch (e) {
    return `regular expression is not supported by the linear-time engine (${String((e as Error).message).split('\n')[0]})`;
  }
  const size = re.programSize();
  if (size > MAX_PROGRAM) return `regular expression compiles to ${size} instructions; at most ${MAX_PROGRAM}`;
  return null;
}


/**
 * Compiles a pattern (the schemas already refuse, with file and field, every pattern regexProblem
 * refuses; a pattern reaching here unchecked is an InputError naming it).
 */
export function compileRegex(src: string): SafeRegex {
  const cached = cache.get(src);
  if (cached !== undefined) return cached;
  const problem = regexProblem(src);
  if (problem !== null) throw new InputError(problem, { text: src });
  const re = compileRe2(src);
  const safe: SafeRegex = {
    source: src,
    test: (s) => re.test(s),
    exec: (s) => re.exec(s) as RegexMatch | null,
  };
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(src, safe);
  return safe;
}

/** Compiled patterns by source (archive members are matched one by one against the same few patterns). */
const cache = new Map<string, SafeRegex>();
const CACHE_SIZE = 256;
