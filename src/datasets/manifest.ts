// Owns the dataset manifest: the zod schema of datasets/<name>/manifest.json (what the data is, where it
// comes from, how files become labelled traces, the sha256 of every file) and loading one from disk.
// An invalid manifest is an InputError naming the file and the field path.

import { z } from 'zod';
import { InputError } from '../errors.js';
import { LIMITS, readInputText } from '../input.js';
import { regexProblem, type RegexMatch } from '../safe-regex.js';

/** A regular expression that the linear-time engine compiles (see safe-regex.ts). */
const regex = z
  .string()
  .min(1)
  .superRefine((s, ctx) => {
    const problem = regexProblem(s);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Why `p` is not a '/'-separated relative path (no leading '/', '\\', drive, '..', '.' or empty parts), or null. */
export function relPathProblem(p: string): string | null {
  if (p === '.') return null;
  if (p.startsWith('/') || p.includes('\\') || p.includes('\0') || /^[A-Za-z]:/.test(p)) {
    return 'must be a relative path (no leading "/", no "\\", no drive letter)';
  }
  for (const c of p.split('/')) if (c === '' || c === '..' || c === '.') return 'must not contain "..", "." or empty path components';
  return null;
}

const relPath = z
  .string()
  .min(1)
  .superRefine((p, ctx) => {
    const problem = relPathProblem(p);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

const SHA256_RE = /^[0-9a-f]{64}$/;
const SHA256_MESSAGE = 'must be 64 lowercase hex digits (sha256)';
const sha256 = z.string().regex(SHA256_RE, { message: SHA256_MESSAGE });

const label = z.enum(['normal', 'attack']);

const rule = z
  .object({
    /** Regular expression tested against the file path relative to the dataset root ('/' separators). */
    pattern: regex,
    /** Label of every trace in a matching file (optional when labels come from sidecars). */
    label: label.optional(),
    /** A matching file is not a trace (e.g. a file that duplicates others). */
    exclude: z.boolean().optional(),
    /** Attack family; `$1`.. are replaced by the pattern's capture groups. Ignored for normal traces. */
    family: z.string().min(1).optional(),
    /** Program that produced the traces (default: the manifest's program); may use `$1`... */
    program: z.string().min(1).optional(),
    /** Host the traces were recorded on; may use `$1`... */
    host: z.string().min(1).optional(),
    /** How attack traces group into intrusions: one per file, one per folder, or none (default: file). */
    intrusion: z.enum(['file', 'folder', 'none']).optional(),
    note: z.string().optional(),
  })
  .strict();

const syscallTable = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('unm-calls'),
      file: relPath,
      /** Number named by the file's first line (UNM lpr traces count from 1, sendmail from 0). Default 0. */
      firstNumber: z.number().int().min(0).optional(),
      /** Check on load: every trace must end in this call (e.g. exit), which confirms firstNumber. */
      lastCall: z.string().min(1).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('linux-i386') }).strict(),
  z.object({ kind: z.literal('linux-x86_64') }).strict(),
  z.object({ kind: z.literal('names') }).strict(),
]);

const httpUrl = z
  .string()
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), { message: 'must be an http(s) URL' });

const download = z
  .object({
    url: httpUrl,
    /** File name used in the download cache and under a --mirror base URL (default: last URL path segment). */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, { message: 'must be a plain file name' })
      .optional(),
    /** sha256 of the downloaded bytes; checked before anything is extracted. */
    sha256: sha256.optional(),
    extract: z.enum(['tar.gz', 'tar', 'zip', 'gz', 'none']).default('none'),
    /** Folder under the dataset root that archive members go to (default: the root itself). */
    into: relPath.optional(),
    /** Target path for 'gz' and 'none' (default: the URL's file name, without '.gz' for 'gz'). */
    as: relPath.optional(),
    /** Leading path components dropped from every member (after `select`). */
    strip: z.number().int().min(0).default(0),
    /** Only members whose archive path matches are extracted; capture group 1, if any, becomes the path. */
    select: regex.optional(),
    /** Members whose archive path matches are skipped. */
    exclude: regex.optional(),
    note: z.string().optional(),
  })
  .strict();

const officialFile = z
  .object({
    url: httpUrl,
    description: z.string(),
    /** Whether the URL itself was checked to exist and to hold what `description` says. */
    verified: z.boolean(),
  })
  .strict();

const source = z
  .object({
    /** Official home page of the data (or a description for embedded data). */
    homepage: z.string().min(1),
    /** Further official pages describing the data. */
    pages: z.array(httpUrl).default([]),
    /** What `datasets fetch` downloads, in order. */
    urls: z.array(download).default([]),
    /** Official distribution files, for reference (not used by fetch unless also listed in urls). */
    official: z.array(officialFile).default([]),
    /** Where the registered copy of the files was taken from (repository, commit, folder). */
    provenance: z.string().optional(),
    citation: z.array(z.string().min(1)).default([]),
    /** License / terms of use as far as known. */
    terms: z.string().optional(),
  })
  .strict();

export const manifestSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'must be lowercase letters, digits and "-"' }),
    title: z.string().min(1),
    description: z.string().default(''),
    format: z.enum(['unm', 'adfa', 'strace', 'csv', 'lidds-2021', 'lidds-2019']),
    /** LID-DS formats: which events count (enter '>', exit '<', both) and what one trace is (thread, process, recording). */
    reader: z
      .object({ direction: z.enum(['enter', 'exit', 'both']).default('enter'), windows: z.enum(['thread', 'process', 'recording']).default('thread') })
      .strict()
      .optional(),
    /** Data root: relative to the data directory, or to the manifest's folder when `embedded`. */
    root: relPath,
    embedded: z.boolean().default(false),
    /** Default program name of the traces ('unknown' when nobody knows). */
    program: z.string().min(1).default('unknown'),
    syscallTable,
    labelsFrom: z.enum(['rules', 'sidecar']).default('rules'),
    /** First matching rule wins; files matching no rule are not traces. */
    rules: z.array(rule).min(1),
    /** Named subsets (regex on the relative path), used by experiment splits. */
    subsets: z.record(z.string().min(1), regex).default({}),
    source,
    /** sha256 of every data file, keyed by path relative to the root (checked in one loop: fast for 14k files). */
    files: z
      .custom<Record<string, string>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
        message: 'must be an object mapping relative paths to sha256',
      })
      .default({}),
    notes: z.array(z.string()).default([]),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (!m.embedded && m.root === '.') {
      ctx.addIssue({ code: 'custom', path: ['root'], message: 'must name a folder inside the data directory unless embedded' });
    }
    for (const [path, hash] of Object.entries(m.files)) {
      const problem = path === '.' ? 'must name a file' : relPathProblem(path);
      if (typeof hash !== 'string') {
        ctx.addIssue({ code: 'custom', path: ['files', path], message: SHA256_MESSAGE });
        continue;
      }
      if (problem !== null) ctx.addIssue({ code: 'custom', path: ['files', path], message: problem });
      else if (!SHA256_RE.test(hash)) ctx.addIssue({ code: 'custom', path: ['files', path], message: SHA256_MESSAGE });
    }
    m.rules.forEach((r, i) => {
      if (m.labelsFrom === 'rules' && !r.exclude && r.label === undefined) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'label'], message: 'is required when labelsFrom is "rules"' });
      }
    });
  });

export type ManifestData = z.output<typeof manifestSchema>;
export type ManifestRule = ManifestData['rules'][number];
export type DownloadEntry = ManifestData['source']['urls'][number];
export type SyscallTableSpec = ManifestData['syscallTable'];

/** A validated manifest plus the file it was read from (embedded roots are relative to its folder). */
export type Manifest = ManifestData & { readonly manifestPath: string };

function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map(String).join('.');
}

/** Validates parsed JSON; `file` is used in error messages and as the manifest's location. */
export function parseManifest(json: unknown, file: string): Manifest {
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues;
    const first = issues[0]!;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    throw new InputError(`invalid manifest: field ${fieldPath(first.path)}: ${first.message}${more}`, { file });
  }
  return { ...result.data, manifestPath: file };
}

export function loadManifestFile(file: string): Manifest {
  const text = readInputText(file, { what: 'manifest', maxBytes: LIMITS.manifest });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`invalid manifest: not valid JSON: ${(e as Error).message}`, { file });
  }
  return parseManifest(json, file);
}

/** Replaces `$1`..`$9` in a rule template with the capture groups of `match` (missing groups become ''). */
export function expandTemplate(template: string, match: RegexMatch): string {
  return template.replace(/\$(\d)/g, (_, d: string) => match[Number(d)] ?? '');
}
