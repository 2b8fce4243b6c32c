// Owns the split rule's schema (zod): named subsets, seeded fractions or counts, prefix cuts and the
// minimum length, as experiment files write them; src/prepare/split.ts applies it.

import { z } from 'zod';

/** How to draw traces from a pool: a named subset of the manifest, then a seeded fraction or count. */
export const selection = z
  .object({
    subset: z.string().optional(),
    fraction: z.number().gt(0).max(1).optional(),
    count: z.number().int().positive().optional(),
    /** Take traces in file order instead of at random (with count or fraction). */
    ordered: z.boolean().default(false),
    /**
     * What fraction/count counts and draws: single traces (processes), or whole source files, so every
     * process of one recording lands on the same side of the split.
     */
    unit: z.enum(['trace', 'file']).default('trace'),
  })
  .strict()
  .refine((s) => !(s.fraction !== undefined && s.count !== undefined), { message: 'give either fraction or count, not both' });

export type Selection = z.infer<typeof selection>;

export const split = z
  .object({
    seed: z.number().int().default(1),
    /** Normal traces to train on (default: all normal traces). */
    train: selection.optional(),
    /** Normal traces held out to calibrate thresholds (drawn from what training left). */
    calibrate: selection.optional(),
    /** Normal traces to test on (drawn from what training and calibration left; default: all of it). */
    test: selection.optional(),
    /** Attack traces to test on (default: all attack traces; include: false = none, e.g. for a background dataset). */
    attack: z.object({ subset: z.string().optional(), include: z.boolean().default(true) }).strict().optional(),
    /**
     * Long normal traces are cut: the first `trainCalls` calls of every normal trace with at least
     * `minLength` calls train, the rest is a normal test trace (Warrender 1999 trained xlock and named on
     * the beginning of their long live traces). Cut traces never enter the random draws.
     */
    prefix: z.object({ minLength: z.number().int().positive(), trainCalls: z.number().int().positive() }).strict().optional(),
    /** Traces with fewer calls are left out of every set and counted (Warrender drops 1-call traces). */
    minLength: z.number().int().min(0).default(0),
    /**
     * An explicit split: a TSV file of ROLE<TAB>PATH lines (roles training, calibration, test; '#' lines
     * are comments), PATH relative to the dataset root. A bare name is looked up in the splits folder
     * (STIDEBENCH_SPLITS, default: the `splits` folder beside the data directory). Replaces the draws;
     * attack traces not listed still follow `attack` (default: all); unlisted normal traces join a set
     * only through its selection (e.g. train: { subset: training }). See src/prepare/split.ts.
     */
    files: z.string().min(1).optional(),
    /**
     * Chronological training (UNM): normal traces sorted by the start time in their file names (a Unix
     * time prefix, DDMonYYYY-HHMMSS, _YYMMDDhhmm or MM.DD.YY); the earliest `train` count/fraction trains.
     */
    order: z.enum(['file', 'chronological']).default('file'),
  })
  .strict();

export type Split = z.infer<typeof split>;

