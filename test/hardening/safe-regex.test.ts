// User-written regexes run on the linear-time engine (src/safe-regex.ts): every pattern in the registry
// means the same as in JavaScript on every file path its manifest lists; back-references, lookaround and
// RE2-only escapes are refused with the manifest file and field; patterns that backtracked for minutes
// in V8 (found by `npm run fuzz`) are accepted and matched.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest, expandTemplate } from '../../src/datasets/manifest.js';
import { listDatasets } from '../../src/datasets/registry.js';
import { InputError } from '../../src/errors.js';
import { compileRegex, regexProblem } from '../../src/safe-regex.js';

const ROOT = join(import.meta.dirname, '..', '..');

function sample(pattern: string): unknown {
  const m = JSON.parse(readFileSync(join(ROOT, 'datasets', 'sample', 'manifest.json'), 'utf8')) as { rules: { pattern: string }[] };
  m.rules[0]!.pattern = pattern;
  return m;
}

describe('safe regexes', () => {
  it('every registry pattern matches exactly as JavaScript does on its own file paths (groups included)', () => {
    let compared = 0;
    for (const m of listDatasets()) {
      const paths = [...Object.keys(m.files), 'normal/x.int', 'attack/a/b.strace', 'Attack_Data_Master/Adduser_1/UAD-Adduser-1-1.txt', ''];
      const pats = [...m.rules.map((r) => r.pattern), ...Object.values(m.subsets), ...m.source.urls.flatMap((u) => [u.select, u.exclude].filter((x): x is string => x !== undefined))];
      expect(pats.length).toBeGreaterThan(0);
      for (const p of pats) {
        const safe = compileRegex(p);
        const js = new RegExp(p);
        for (const s of paths) {
          const a = js.exec(s);
          const b = safe.exec(s);
          expect(b === null ? null : [...b], `${m.name}: ${p} on ${s}`).toEqual(a === null ? null : [...a]);
          expect(safe.test(s)).toBe(a !== null);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it('rule templates see the same capture groups ($1.., missing groups empty)', () => {
    const re = compileRegex('^(?:x/)?([a-z]+)_(\\d+)?');
    const m = re.exec('abc_')!;
    expect(expandTemplate('$1-$2-$3', m)).toBe('abc--');
  });

  it.each([
    ['^(a)\\1', /rules\.0\.pattern: regular expression uses a back-reference \(\\1\)/],
    ['^(?<n>a)\\k<n>', /rules\.0\.pattern: regular expression uses a back-reference/],
    ['^normal/(?=x)', /rules\.0\.pattern: regular expression uses lookaround \(\(\?=\)/],
    ['^normal/(?!x)', /rules\.0\.pattern: regular expression uses lookaround \(\(\?!\)/],
    ['(?<!x)normal/', /rules\.0\.pattern: regular expression uses lookaround \(\(\?<!\)/],
    ['^normal\\z', /rules\.0\.pattern: regular expression uses the escape \\z/],
    ['^normal/(', /rules\.0\.pattern: must be a valid regular expression \(Unterminated group\)/],
    ['(((a{1000}){1000}){1000})', /rules\.0\.pattern: regular expression is not supported by the linear-time engine|compiles to \d+ instructions/],
  ])('%s is refused with the manifest file and field', (pattern, re) => {
    let err: unknown;
    try {
      parseManifest(sample(pattern), '/reg/evil/manifest.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toMatch(/^\/reg\/evil\/manifest\.json: invalid manifest: field /);
    expect(msg).toMatch(re);
  });

  it('a character class may hold what would be lookaround or a back-reference outside it', () => {
    expect(regexProblem('^[(?=]x')).toBeNull();
    expect(regexProblem('^[\\]\\1]')).toMatch(/back-reference/); // \1 inside a class is an octal escape in JS: still refused
    expect(regexProblem('^[]a]')).not.toBeNull(); // JS: empty class then "a]"; not silently reinterpreted
  });

  it('the patterns found by the fuzzer (polynomial backtracking in V8) load and match on long paths', () => {
    const long = 'a'.repeat(64 * 1024) + '!';
    for (const p of ['.+\\w+\\w+$', '\\w+.+\\w+\\d', '\\w+\\w+a{2,}$\\d\\da', '.+\\w+/', '..+\\w+/.+', '^(a+)+$', '(a|a)*b']) {
      const m = parseManifest(sample(p), '/reg/x/manifest.json');
      expect(m.rules[0]!.pattern).toBe(p);
      const re = compileRegex(p);
      expect(re.test(long)).toBe(new RegExp(p).test('a'.repeat(20) + '!'));
    }
  });
});
