// Owns the check that a user-written regular expression (manifest rules, subsets, select/exclude,
// experiment report groups) cannot backtrack catastrophically in V8's engine. Conservative "star height
// one" rule, as the safe-regex family of checkers: a repeated part (`*`, `+`, `{n,}`, `{n,m}` with m > 1)
// may not itself contain a quantifier, an alternation or a back-reference, back-references are refused
// everywhere, and a pattern has at most MAX_REPEATS repeated parts, of which at most MAX_UNBOUNDED unbounded
// (a failing match then costs at worst O(n^3) in the path length; the fuzz test times them on 4 KiB paths). Every pattern in the registry passes; `(a+)+`, `(a|a)*`, `(\w+\s?)*` do not.

/** Most repeated parts in one pattern. */
export const MAX_REPEATS = 8;

/** Longest pattern accepted (characters). */
export const MAX_PATTERN = 1000;

interface Frame {
  /** A repetition, alternation or back-reference somewhere inside (nested groups included). */
  risky: boolean;
  /** The index of the '(' in the source. */
  at: number;
}

/** Most unbounded repetitions (`*`, `+`, `{n,}`): three keep a failing match at worst cubic in the path length. */
export const MAX_UNBOUNDED = 3;

function isUnbounded(src: string, i: number): boolean {
  const c = src[i];
  return c === '*' || c === '+' || (c === '{' && /^\{\d+,\}/.test(src.slice(i, i + 24)));
}

/** Length of the quantifier starting at src[i] and whether it repeats (max > 1); [0, false] when none. */
function quantifierAt(src: string, i: number): [number, boolean] {
  const c = src[i];
  let len = 0;
  let repeats = false;
  if (c === '*' || c === '+') {
    len = 1;
    repeats = true;
  } else if (c === '?') {
    len = 1;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i, i + 24));
    if (m === null) return [0, false];
    len = m[0].length;
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
    repeats = max > 1;
  } else {
    return [0, false];
  }
  if (src[i + len] === '?') len++; // lazy
  return [len, repeats];
}

/** Why `src` is not a safe pattern, or null when it is (it must also compile: see isValidRegex). */
export function regexProblem(src: string): string | null {
  if (src.length > MAX_PATTERN) return `is longer than ${MAX_PATTERN} characters`;
  const stack: Frame[] = [{ risky: false, at: -1 }];
  let i = 0;
  let reps = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    const top = stack[stack.length - 1]!;
    if (c === '\\') {
      const d = src[i + 1] ?? '';
      if (/[1-9]/.test(d) || (d === 'k' && src[i + 2] === '<')) return 'uses a back-reference (not allowed: it can backtrack exponentially)';
      i += 2;
      const [ql, rep] = quantifierAt(src, i);
      if (ql > 0) {
        top.risky = true;
        reps += rep ? 1 : 0;
        i += ql;
      }
      continue;
    }
    if (c === '[') {
      // Skip the character class (']' right after '[' or '[^' is literal; escapes skip a char).
      let j = i + 1;
      if (src[j] === '^') j++;
      if (src[j] === ']') j++;
      while (j < n && src[j] !== ']') j += src[j] === '\\' ? 2 : 1;
      i = j + 1;
      const [ql, rep] = quantifierAt(src, i);
      if (ql > 0) {
        top.risky = true;
        reps += rep ? 1 : 0;
        i += ql;
      }
      continue;
    }
    if (c === '(') {
      stack.push({ risky: false, at: i });
      i++;
      // Skip the group kind: (?: (?= (?! (?<= (?<! (?<name>
      if (src[i] === '?') {
        if (src[i + 1] === '<' && src[i + 2] !== '=' && src[i + 2] !== '!') {
          const close = src.indexOf('>', i);
          i = close < 0 ? n : close + 1;
        } else {
          i += src[i + 1] === '<' ? 3 : 2;
        }
      }
      continue;
    }
    if (c === ')') {
      if (stack.length === 1) return 'has an unbalanced ")"';
      const frame = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      i++;
      const [ql, rep] = quantifierAt(src, i);
      if (ql > 0) {
        reps += rep ? 1 : 0;
        if (rep && frame.risky) {
          return `repeats a group that itself repeats or alternates (${JSON.stringify(src.slice(frame.at, Math.min(i + ql, frame.at + 40)))}): it can backtrack catastrophically`;
        }
        i += ql;
      }
      if (frame.risky || rep) parent.risky = true;
      continue;
    }
    if (c === '|') {
      top.risky = true;
      i++;
      continue;
    }
    i++;
    const [ql, rep] = quantifierAt(src, i);
    if (ql > 0) {
      top.risky = true;
      reps += rep ? 1 : 0;
      i += ql;
    }
  }
  // Many repetitions in sequence backtrack polynomially (O(n^reps)) on a failing match.
  if (reps > MAX_REPEATS) return `has ${reps} repetitions; at most ${MAX_REPEATS}`;
  let unbounded = 0;
  let inClass = false;
  for (let j = 0; j < n; j++) {
    const ch = src[j];
    if (ch === '\\') {
      j++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') inClass = true;
    else if (isUnbounded(src, j)) unbounded++;
  }
  if (unbounded > MAX_UNBOUNDED) return `has ${unbounded} unbounded repetitions (*, +, {n,}); at most ${MAX_UNBOUNDED}`;
  return null;
}

/** True when `src` compiles as a JavaScript regular expression. */
export function isValidRegex(src: string): boolean {
  try {
    new RegExp(src);
    return true;
  } catch {
    return false;
  }
}
