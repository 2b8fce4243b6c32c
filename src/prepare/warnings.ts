// Owns the run-level data warnings that depend on the detectors: test traces whose program has no
// training data under per-program scope (each of their windows is scored against an empty database).

import type { DetectorSpec } from '../detectors/types.js';
import type { TraceMeta } from '../traces/trace.js';

/**
 * One warning (or none) when some spec has per-program scope and test traces belong to programs that
 * no training trace has; `how` says how the caller chooses shared scope (a flag, an experiment field).
 */
export function perProgramWarning(
  specs: readonly Pick<DetectorSpec, 'scope' | 'kind'>[],
  train: readonly Pick<TraceMeta, 'program'>[],
  tests: readonly Pick<TraceMeta, 'program'>[],
  how: string,
): string | undefined {
  const kinds = [...new Set(specs.filter((s) => s.scope === 'per-program').map((s) => s.kind))];
  if (kinds.length === 0) return undefined;
  const known = new Set(train.map((t) => t.program));
  const missing = new Map<string, number>();
  for (const t of tests) if (!known.has(t.program)) missing.set(t.program, (missing.get(t.program) ?? 0) + 1);
  if (missing.size === 0) return undefined;
  let n = 0;
  for (const c of missing.values()) n += c;
  const names = [...missing.keys()].sort();
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length} programs)` : '');
  return (
    `${n} of ${tests.length} test traces belong to programs with no training data (${shown}); under per-program scope ` +
    `(${kinds.join(', ')}) every one of their windows is scored as a mismatch. Choose one shared database with ${how}`
  );
}
