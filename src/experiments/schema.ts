// Owns the experiment file schema (zod): which datasets with which split, which detectors, which window
// lengths, frames and thresholds. Ranges ({from, to, step}) expand to lists, so sweeps are first class.

import { z } from 'zod';
import { InputError } from '../errors.js';
import { defaultLabel, detectorKinds, hasDetector, resolveSpec } from '../detectors/registry.js';
import { inlineDatasetSchema } from '../prepare/inline.js';
import { MAX_FRAME, MAX_K } from '../numbers.js';
import { regexProblem } from '../safe-regex.js';
import { split } from '../prepare/split-schema.js';
import { TRACE_SCORE_KINDS } from '../eval/trace-scores.js';

export { MAX_FRAME, MAX_K };

/** Most values one list or range may expand to (k, frames, each threshold kind). */
export const MAX_LIST = 10_000;
/** Most cells (dataset x detector x k) and operating points (cells x frames x thresholds) in one plan. */
export const MAX_CELLS = 10_000;
export const MAX_POINTS = 10_000_000;

/**
 * `{from, to, step}` whose ends obey the item schema; the number of values is checked before anything is
 * expanded, so a tiny step or a huge span is refused instead of allocating.
 */
function rangeOf(item: z.ZodNumber) {
  return z
    .object({ from: item, to: item, step: z.number().positive().default(1) })
    .strict()
    .superRefine((r, ctx) => {
      if (r.to < r.from) {
        ctx.addIssue({ code: 'custom', message: '`to` must be >= `from`' });
        return;
      }
      const n = Math.floor((r.to - r.from) / r.step + 1e-9) + 1;
      if (!(n <= MAX_LIST)) {
        ctx.addIssue({ code: 'custom', message: `range expands to ${n} values; at most ${MAX_LIST} (use a larger step)` });
      }
    });
}

function listOrRange(item: z.ZodNumber) {
  return z.union([item, z.array(item).nonempty().max(MAX_LIST), rangeOf(item)]).transform((v): number[] => {
    if (typeof v === 'number') return [v];
    if (Array.isArray(v)) return [...new Set(v)].sort((a, b) => a - b);
    const out: number[] = [];
    for (let x = v.from; x <= v.to + 1e-9; x += v.step) out.push(Math.round(x * 1e9) / 1e9);
    return out;
  });
}

export { selection, split, type Selection, type Split } from '../prepare/split-schema.js';

/** Name mapping applied before encoding, so traces of different systems share one alphabet by name. */
const mapNames = z.enum(['none', 'sunos-to-linux']).default('none');

const datasetPart = z
  .object({
    name: z.string().min(1),
    /** Bring your own data: a folder/file/glob with label rules instead of a registered dataset (no manifest). */
    inline: inlineDatasetSchema.optional(),
    split: split.default({ seed: 1, minLength: 0 } as never),
    mapNames,
  })
  .strict();

const datasetEntry = z
  .object({
    name: z.string().min(1),
    /** Label used in result tables (default: the dataset name). */
    as: z.string().optional(),
    /** Bring your own data: a folder/file/glob with label rules instead of a registered dataset (no manifest). */
    inline: inlineDatasetSchema.optional(),
    split: split.default({ seed: 1, minLength: 0 } as never),
    mapNames,
    /**
     * Other datasets mixed into this evaluation unit, each split by its own rule: their training traces
     * join the training set, their held-out normal and attack traces join the test sets (the paper's
     * one database built from many programs).
     */
    with: z.array(datasetPart).default([]),
  })
  .strict();

/** One detector: a kind from the registry (src/detectors/registry.ts), its scope, resets and params. */
const detector = z
  .object({
    kind: z.string().refine(hasDetector, { error: () => `unknown detector kind; expected one of ${detectorKinds().join(', ')}` }),
    scope: z.enum(['per-program', 'shared']).optional(),
    resetOn: z.array(z.string()).optional(),
    /** Detector-specific settings (t-stide: rareFraction; hamming: minDistance ...), checked by the kind's schema. */
    params: z.record(z.string(), z.unknown()).optional(),
    /** Label used in result tables (default: kind/scope). */
    as: z.string().optional(),
  })
  .strict()
  .transform((d, ctx) => {
    try {
      const spec = resolveSpec(d);
      const params = spec.params ?? {};
      return { kind: spec.kind, scope: spec.scope, resetOn: [...spec.resetOn], params, label: d.as ?? defaultLabel(spec.kind, spec.scope, params) };
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message });
      return z.NEVER;
    }
  });

export type DetectorEntry = z.infer<typeof detector>;

export const experimentSchema = z
  .object({
    // A plain slug: it names the results folder, so it can never be '.', '..' or start with a dot or dash.
    name: z
      .string()
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain slug: a letter or digit, then letters, digits, dot, dash or underscore (it names the results folder)'),
    description: z.string().default(''),
    datasets: z.array(datasetEntry).nonempty(),
    detectors: z.array(detector).nonempty(),
    k: listOrRange(z.number().int().min(1).max(MAX_K)),
    frames: listOrRange(z.number().int().min(1).max(MAX_FRAME)),
    thresholds: z
      .object({
        count: listOrRange(z.number().int().min(1).max(MAX_FRAME)).optional(),
        ratio: listOrRange(z.number().min(0).lt(1)).optional(),
      })
      .strict()
      .refine((t) => t.count !== undefined || t.ratio !== undefined, { message: 'give count and/or ratio thresholds' }),
    /** Sweep analyses: ROC/AUC, calibrated operating points, bootstrap CIs, convergence, plots. */
    analysis: z
      .object({
        /** Target false-positive rates; thresholds are calibrated on the split's calibration traces. */
        targetFpr: z.array(z.number().gt(0).lt(1)).default([0.01, 0.05]),
        /** Bootstrap resamples for 95% CIs (0 = none). */
        bootstrap: z.number().int().min(0).default(1000),
        seed: z.number().int().default(1),
        /** Distinct windows vs training traces, per dataset and k. */
        convergence: z.boolean().default(true),
        /** SVG plots in results/<name>/plots/, embedded in summary.md. */
        plots: z.boolean().default(true),
        /** Also write PNG copies of the plots. */
        png: z.boolean().default(false),
        /**
         * Trace scores with ROC/AUC and calibrated rules (src/eval/trace-scores.ts): a kind name, or
         * { kind, frame } for maxLfc / maxLfcRatio / streamSum (frame = W; must be one of `frames`;
         * without it, every frame). Default: none beyond the max-LFC analysis above.
         */
        scores: z
          .array(
            z.union([
              z.enum(TRACE_SCORE_KINDS),
              z.object({ kind: z.enum(TRACE_SCORE_KINDS), frame: z.number().int().positive().optional() }).strict(),
            ]),
          )
          .default([]),
        /**
         * Threshold rules calibrated on the calibration traces, applied to every score; both alarm iff
         * score > threshold: { rule: quantile, q } (numpy linear quantile) or { rule: max }.
         */
        rules: z
          .array(
            z.union([
              z.object({ rule: z.literal('quantile'), q: z.number().min(0).max(1) }).strict(),
              z.object({ rule: z.literal('max') }).strict(),
            ]),
          )
          .default([]),
        /** Syscall-level TP/FP/TN/FN, CFA and LID-DS precision/F1 for LFC scores at every rule and count threshold. */
        syscallMetrics: z.boolean().default(false),
        /**
         * With syscallMetrics: write alarms.tsv, one line per alarm (maximal run of alarming calls) of every
         * test trace at every (LFC score, rule): trace, label, first and last call index.
         */
        alarmExport: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /** Extra report tables. */
    report: z
      .object({
        /**
         * Group test traces (normal and attack) by a regex on `dataset:source`; `name` may use $1..$9.
         * Summary gets one row per (cell, group): mismatch rates, max LFC and whether the group alarms.
         */
        groups: z
          .object({
            pattern: z.string().superRefine((p, ctx) => {
              const problem = regexProblem(p);
              if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
            }),
            name: z.string().default('$1'),
          })
          .strict()
          .optional(),
        /** One threshold-sweep table per cell and frame in summary.md (metrics.csv always has them all). */
        sweepTables: z.boolean().default(true),
        /** Per dataset (program): share of intrusion traces detected beside intrusions detected, and their means (Warrender 1999). */
        perProgram: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /** Operating point shown first in summary.md: which frame and threshold to headline. */
    headline: z
      .object({ frame: z.number().int().positive(), count: z.number().int().positive().optional(), ratio: z.number().min(0).lt(1).optional() })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    // The plan size is checked here, before anything is loaded or run.
    // Runs even when a field above failed (zod reports every issue): then there is nothing to size.
    if (!Array.isArray(e.frames) || !Array.isArray(e.k) || !Array.isArray(e.datasets) || !Array.isArray(e.detectors) || typeof e.thresholds !== 'object' || e.thresholds === null) return;
    const maxFrame = e.frames.reduce((a, b) => Math.max(a, b), 0);
    const counts: number[] = Array.isArray(e.thresholds.count) ? e.thresholds.count : [];
    const ratios: number[] = Array.isArray(e.thresholds.ratio) ? e.thresholds.ratio : [];
    const never = counts.find((t) => t > maxFrame);
    if (never !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['thresholds', 'count'], message: `count threshold ${never} exceeds the largest frame ${maxFrame} and can never alarm` });
    }
    let cells = e.datasets.length;
    cells *= e.detectors.length * e.k.length;
    const points = cells * e.frames.length * (counts.length + ratios.length);
    if (cells > MAX_CELLS) {
      ctx.addIssue({ code: 'custom', path: ['k'], message: `the plan has ${cells} cells (datasets x detectors x k); at most ${MAX_CELLS}` });
    } else if (points > MAX_POINTS) {
      ctx.addIssue({ code: 'custom', path: ['frames'], message: `the plan has ${points} operating points (cells x frames x thresholds); at most ${MAX_POINTS}` });
    }
    if (e.headline !== undefined && !e.frames.includes(e.headline.frame)) {
      ctx.addIssue({ code: 'custom', path: ['headline', 'frame'], message: `frame ${e.headline.frame} is not one of the experiment's frames` });
    }
  });

export type Experiment = z.infer<typeof experimentSchema>;
