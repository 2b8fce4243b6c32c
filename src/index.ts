// Owns stidebench's public library surface (`import … from 'stidebench'`): a curated list of what a
// researcher scripts against, in pipeline order — readers and syscall tables, traces and the alphabet,
// registered datasets, splits, detectors and their registry, locality frames, threshold rules, scoring,
// ROC and metrics, and whole experiments. Anything not exported here is internal and may change.
// The command line (src/cli.ts) is a client of these same modules.

// ---- Errors: bad input is an InputError with one line naming file, line and what was expected.
export { InputError } from './errors.js';
export type { InputErrorDetails } from './errors.js';

// ---- Traces: one process's calls, raw (reader numbering) or encoded in one dense alphabet.
export { narrowCalls, traceId } from './traces/trace.js';
export type { CallArray, Label, RawTrace, SyscallTable, Trace, TraceMeta } from './traces/trace.js';
export { Alphabet, UNKNOWN } from './traces/alphabet.js';

// ---- Readers (UNM, ADFA-LD, strace, CSV; gzip detected by content) and syscall tables.
export {
  detectFileFormat,
  detectFormat,
  parseTraceBytes,
  readTraceFile,
  readTraceFileAsync,
  readTraceFiles,
  readTraceFilesAsync,
  StraceLineParser,
  TRACE_FORMATS,
} from './traces/readers/index.js';
export type { FileMeta, ReadManyOptions, ReadOptions, ReadResult, StraceCall, TraceFileJob, TraceFormat } from './traces/readers/index.js';
export {
  ArraySyscallTable,
  BUILTIN_TABLE_NAMES,
  linuxI386,
  linuxX86_64,
  loadCallsTable,
  namesTable,
  parseCallsTable,
  resolveTable,
  sunosToLinux,
  tableByName,
} from './traces/syscalls/index.js';

// ---- Registered datasets: manifests with checksums, the data directory, loading and verification.
export { datasetRoot, getDataset, listDatasets, resolveDataDir } from './datasets/registry.js';
export { loadDataset, loadDatasetAsync } from './datasets/load.js';
export type { LoadOptions, LoadResult } from './datasets/load.js';
export { verifyDataset } from './datasets/verify.js';
export type { VerifyResult } from './datasets/verify.js';
export { computeStats } from './datasets/stats.js';
export type { DatasetStats } from './datasets/stats.js';
export type { Manifest } from './datasets/manifest.js';

// ---- Preparation: the one pipeline every command uses — inputs (registered or inline dataset, files,
// folders) -> labelled traces -> seeded split -> one checked vocabulary -> one frozen alphabet holding
// every name a detector needs -> encoded sets, plus the run-level warnings.
export {
  checkVocabulary,
  encodeSets,
  inlineDatasetSchema,
  INPUT_FORMATS,
  manifestChecksum,
  mapTable,
  perProgramWarning,
  prepareDataset,
  preparePaths,
  readInlineDataset,
  readPaths,
} from './prepare/index.js';
export type {
  DatasetInput,
  DatasetPart,
  DatasetSummary,
  EncodedSets,
  InlineDataset,
  InputFormat,
  LabelledTraces,
  PathsInput,
  PathsPrepared,
  PreparedDataset,
  PrepareOptions,
  PreparePathsOptions,
  SplitRule,
} from './prepare/index.js';
export { splitTraces } from './prepare/split.js';
export type { SplitResult } from './prepare/split.js';
export type { Selection, Split } from './prepare/split-schema.js';

// ---- Detectors: the open registry (a detector is one module: kind, params schema, train, optional
// save/load and online form) and the built-in models behind it.
export {
  checkParams,
  defaultLabel,
  defineDetector,
  DETECTOR_KINDS,
  DETECTOR_PARAMS,
  detectorKinds,
  getDetector,
  hasDetector,
  loadDetector,
  namesNeeded,
  onlineForm,
  onlineKinds,
  parseParams,
  registerDetector,
  resolveSpec,
  saveDetector,
  trainModel,
} from './detectors/registry.js';
export type { DbScope, DetectorConfig, DetectorDef, DetectorKind, DetectorSpec, Model, SavedParts, TrainOptions, WindowTest } from './detectors/registry.js';
export { StideModel } from './detectors/stide.js';
export { LookaheadModel } from './detectors/lookahead.js';
export { HammingModel } from './detectors/hamming.js';
export { DEFAULT_RESET_ON, XenidsModel } from './detectors/xenids.js';
export { WindowSet } from './detectors/window-set.js';

// ---- Scoring: one pass per trace into a mismatch signal, summarised for every frame.
export { mismatchRate, scoreTrace, scoreTraces } from './eval/score.js';
export type { ScoredTrace } from './eval/score.js';

// ---- Locality frames: LFC = mismatches among the last `frame` windows.
export { lfcSeries, LocalityFrame, summarizeFrame } from './eval/frame.js';
export type { FrameSummary } from './eval/frame.js';

// ---- Threshold rules: count (LFC >= t) and ratio (LFC / frame > p).
export { alarmingWindows, alarms, countThreshold, firstAlarmWindow, minAlarmLfc, policyLabel, ratioThreshold } from './eval/threshold.js';
export type { ThresholdPolicy } from './eval/threshold.js';

// ---- ROC, calibrated thresholds, decision-level curve, confidence intervals.
export {
  calibrateAndEvaluate,
  decisionCurve,
  evaluateOperatingPoint,
  evaluateThreshold,
  operatingPoint as calibrateOperatingPoint,
  rocCurve,
} from './eval/roc.js';
export type { DecisionPoint, OperatingPoint, RocCurve, RocPoint, ThresholdEvaluation } from './eval/roc.js';
export { bootstrapCI, bootstrapProportionCI, wilsonCI } from './eval/bootstrap.js';
export type { ConfidenceInterval } from './eval/bootstrap.js';
export { mulberry32, seededSample, seededShuffle } from './eval/random.js';

// ---- Metrics of one operating point, and of a whole scored cell.
export { mismatchSummary, operatingPoint as operatingPointMetrics } from './eval/metrics.js';
export type { FamilyRate, MismatchSummary, OperatingPointMetrics } from './eval/metrics.js';
export { intrusionRows, runCell } from './eval/cell.js';
export type { Cell, CellInput, IntrusionRow } from './eval/cell.js';
export { analyseCell, convergence } from './eval/analysis.js';
export type { AnalysisOptions, CalibratedPoint, ConvergencePoint, FrameAnalysis } from './eval/analysis.js';

// ---- Experiments: a YAML file (or object) in, every cell, table and figure out.
export { experimentSchema } from './experiments/schema.js';
export type { DetectorEntry, Experiment } from './experiments/schema.js';
export { loadExperiment, parseExperiment } from './experiments/loader.js';
export { runExperiment } from './experiments/run.js';
export type { ExperimentResult, RunOptions } from './experiments/run.js';
export { metricsDocument, resultFiles } from './report/results.js';
export { writeResultDir } from './report/write.js';

// ---- Online detection (what `watch` runs): per-process k-buffer and locality frame over an event stream.
export { ALARM, MATCH, MISMATCH, NO_WINDOW, OnlineDetector } from './live/online.js';
export type { OnlineOptions, ProcessState } from './live/online.js';
