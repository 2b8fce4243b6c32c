// Owns the public face of the one preparation pipeline used by every command (run, detect, train, watch's
// models, bench and the profiles study): inputs (registered dataset, inline dataset, files, folders) ->
// labelled raw traces -> split -> one checked vocabulary -> one frozen alphabet holding every name a
// selected detector needs -> encoded sets, plus the run-level warnings.

export { readPaths, INPUT_FORMATS, type InputFormat, type LabelledTraces, type PathsInput } from './files.js';
export { inlineDatasetSchema, readInlineDataset, resolveInlinePaths, type InlineDataset } from './inline.js';
export { checkVocabulary, encodeSets, isUnnamedTable, type EncodedSets } from './encode.js';
export {
  checkManifest,
  manifestChecksum,
  mapTable,
  prepareDataset,
  type DatasetInput,
  type DatasetPart,
  type DatasetSummary,
  type PreparedDataset,
  type PrepareOptions,
  type SplitRule,
} from './dataset.js';
export { perProgramWarning } from './warnings.js';
export { preparePaths, type PathsPrepared, type PreparePathsOptions } from './paths.js';
