// Owns the versioned schema of metrics.json (zod), the JSON Schema generated from it
// (docs/metrics.schema.json, checked by a test) and reading a results folder's metrics.json back with
// one clear error when it does not fit. Bump SCHEMA_VERSION whenever a field changes meaning or goes.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../errors.js';

/** Version of the metrics.json layout; written as `schemaVersion`. */
export const SCHEMA_VERSION = 1;

const rate = z.number().min(0).max(1).nullable();
const ci = z
  .object({ estimate: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable(), level: z.number(), resamples: z.number().int() })
  .describe('seeded percentile-bootstrap 95% interval (NaN written as null)');

const family = z.object({ traces: z.number().int(), detected: z.number().int(), rate });

const point = z
  .object({
    frame: z.number().int().describe('locality frame (windows)'),
    threshold: z.string().describe('threshold label, e.g. "LFC>=6" or "LFC/frame>0.06"'),
    thresholdKind: z.enum(['count', 'ratio']),
    thresholdValue: z.number(),
    minAlarmLfc: z.number().int().describe('smallest LFC that alarms'),
    attackTraces: z.number().int(),
    detectedTraces: z.number().int(),
    detectionRate: rate,
    intrusions: z.number().int(),
    detectedIntrusions: z.number().int(),
    intrusionDetectionRate: rate,
    normalTraces: z.number().int(),
    falsePositiveTraces: z.number().int(),
    falsePositiveRate: rate,
    normalWindows: z.number().int(),
    alarmingNormalWindows: z.number().int(),
    decisionFalsePositiveRate: rate,
    meanDetectionDelayWindows: z.number().nullable(),
    families: z.record(z.string(), family),
  })
  .describe('one operating point: (frame, threshold) of a cell');

const mismatch = z.object({
  traces: z.number().int(),
  tracesWithoutWindows: z.number().int(),
  windows: z.number().int(),
  mismatches: z.number().int(),
  pooledRate: rate,
  meanTraceRate: rate,
  maxTraceRate: rate,
});

const calibrated = z.object({
  targetFpr: z.number(),
  threshold: z.number().nullable().describe('alarm at max LFC >= threshold; null when no threshold meets the target'),
  calibrationFpr: z.number(),
  testFpr: rate,
  detectionRate: rate,
  detectionCI: ci.nullable(),
  fprCI: ci.nullable(),
});

const frameAnalysis = z.object({
  frame: z.number().int(),
  auc: z.number().nullable(),
  roc: z.array(z.object({ threshold: z.number().nullable(), fpr: z.number(), tpr: z.number() })),
  calibrated: z.array(calibrated),
  decision: z.array(
    z.object({
      threshold: z.number(),
      fpr: z.number().nullable(),
      normalWindows: z.number().int(),
      flaggedNormalWindows: z.number().int(),
      attackWindows: z.number().int().optional(),
      flaggedAttackWindows: z.number().int().optional(),
      attackWindowRate: z.number().nullable().optional(),
    }),
  ),
});

const cell = z.object({
  dataset: z.string(),
  detector: z.string(),
  k: z.number().int(),
  dbSize: z.number().int(),
  dbBytes: z.number().int(),
  train: z.object({ traces: z.number().int(), calls: z.number().int() }),
  mismatch: z.object({ normal: mismatch, attack: mismatch }),
  intrusions: z.array(
    z.object({
      intrusion: z.string(),
      family: z.string().nullable(),
      traces: z.number().int(),
      windows: z.number().int(),
      mismatches: z.number().int(),
      maxTraceMismatchRate: rate,
      maxLfc: z.array(z.number().int()),
    }),
  ),
  points: z.array(point),
  analysis: z.array(frameAnalysis).optional(),
  scores: z
    .array(z.object({ kind: z.string(), score: z.string(), frame: z.number().int().nullable(), auc: z.number().nullable(), rules: z.array(z.record(z.string(), z.unknown())) }).loose())
    .optional()
    .describe('trace scores other than max LFC (src/report/score-tables.ts): one entry per score, with its AUC and threshold rules'),
});

const dataset = z.object({
  name: z.string(),
  label: z.string(),
  manifest: z.string(),
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
  files: z.number().int(),
  alphabet: z.number().int(),
  trainTraces: z.number().int(),
  trainCalls: z.number().int(),
  calibrateTraces: z.number().int(),
  testNormalTraces: z.number().int(),
  testNormalCalls: z.number().int(),
  attackTraces: z.number().int(),
  attackCalls: z.number().int(),
  droppedShort: z.object({ normal: z.number().int(), attack: z.number().int() }),
});

const group = z.object({
  dataset: z.string(),
  detector: z.string(),
  k: z.number().int(),
  group: z.string(),
  label: z.string(),
  traces: z.number().int(),
  windows: z.number().int(),
  pooledMismatchRate: rate,
  maxTraceMismatchRate: rate,
  maxLfc: z.number().int(),
  alarmed: z.boolean(),
  alarmedTraces: z.number().int(),
});

export const metricsSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    experiment: z.string(),
    datasets: z.array(dataset),
    cells: z.array(cell),
    groups: z.array(group).optional(),
    measureGroups: z
      .array(z.object({ dataset: z.string(), detector: z.string(), k: z.number().int(), group: z.string(), label: z.string(), score: z.string(), traces: z.number().int() }).loose())
      .optional()
      .describe('per-group mismatch measures of the trace scores (num/den pooled, max per trace)'),
    convergence: z
      .array(z.object({ dataset: z.string(), k: z.number().int(), plateauAt: z.number().int().nullable(), points: z.array(z.object({ traces: z.number().int(), distinctWindows: z.number().int() })) }))
      .optional(),
  })
  .describe('stidebench metrics.json: every number of an experiment run, without timings or dates');

export type MetricsDocument = z.infer<typeof metricsSchema>;
export type MetricsCell = MetricsDocument['cells'][number];
export type MetricsPoint = MetricsCell['points'][number];

/** The JSON Schema (draft 2020-12) of metrics.json, as committed in docs/metrics.schema.json. */
export function metricsJsonSchema(): string {
  const schema = z.toJSONSchema(metricsSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  const doc = { title: `stidebench metrics.json, schemaVersion ${SCHEMA_VERSION}`, ...schema };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Parses a metrics.json text; one InputError naming the file and the first field that does not fit. */
export function parseMetrics(text: string, file: string): MetricsDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not JSON: ${(e as Error).message}`, { file, expected: 'a metrics.json written by stidebench run' });
  }
  const v = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (v !== SCHEMA_VERSION) {
    throw new InputError(`schemaVersion ${JSON.stringify(v ?? null)} is not supported`, { file, expected: `schemaVersion ${SCHEMA_VERSION} (rerun stidebench run to regenerate)` });
  }
  const r = metricsSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(`${issue.path.join('.') || '(top level)'}: ${issue.message}`, { file, expected: 'metrics.json as described by docs/metrics.schema.json' });
  }
  return r.data;
}

export function readMetrics(file: string): MetricsDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError('cannot read metrics.json', { file, expected: 'a results folder written by stidebench run' });
  }
  return parseMetrics(text, file);
}
