// Owns the dataset registry: the manifests under <package root>/datasets/*/manifest.json (or
// $STIDEBENCH_REGISTRY/*/manifest.json), where the data
// directory is (--data-dir, then $STIDEBENCH_DATA, then <package root>/data) and where one dataset's
// files live inside it.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { loadManifestFile, type Manifest } from './manifest.js';

let cachedRoot: string | undefined;

/** The folder holding stidebench's package.json, found by walking up from this module. */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'stidebench') {
          cachedRoot = dir;
          return dir;
        }
      } catch {
        // not our package.json; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the stidebench package root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The registry folder: $STIDEBENCH_REGISTRY when set (private datasets, tests), else <package root>/datasets. */
export function manifestsDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['STIDEBENCH_REGISTRY'];
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : join(packageRoot(), 'datasets');
}

const manifestCache = new Map<string, { key: string; manifest: Manifest }>();

/** Loads (and caches, keyed by mtime and size) `<dir>/<name>/manifest.json`; checks name == folder. */
function loadRegistered(dir: string, name: string): Manifest | undefined {
  const file = join(dir, name, 'manifest.json');
  const st = statSync(file, { throwIfNoEntry: false });
  if (st === undefined || !st.isFile()) return undefined;
  const key = `${st.mtimeMs}:${st.size}`;
  const hit = manifestCache.get(file);
  if (hit !== undefined && hit.key === key) return hit.manifest;
  const m = loadManifestFile(file);
  if (m.name !== name) {
    throw new InputError(`invalid manifest: field name: "${m.name}" must equal its folder name "${name}"`, { file });
  }
  manifestCache.set(file, { key, manifest: m });
  return m;
}

function registeredNames(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && existsSync(join(dir, d.name, 'manifest.json')))
    .map((d) => d.name)
    .sort();
}

/** Every registered manifest, sorted by name. `dir` overrides the registry folder (tests). */
export function listDatasets(dir: string = manifestsDir()): Manifest[] {
  const out: Manifest[] = [];
  for (const name of registeredNames(dir)) {
    const m = loadRegistered(dir, name);
    if (m !== undefined) out.push(m);
  }
  return out;
}

/** One registered manifest (only its own file is read). */
export function getDataset(name: string, dir: string = manifestsDir()): Manifest {
  const m = /^[a-z0-9][a-z0-9-]*$/.test(name) ? loadRegistered(dir, name) : undefined;
  if (m === undefined) {
    const known = registeredNames(dir).join(', ');
    throw new InputError(`unknown dataset "${name}"`, { expected: known ? `one of: ${known}` : 'a registered dataset (none found)' });
  }
  return m;
}

export type DataDirOrigin = 'flag' | 'env' | 'default';

/** The data directory and which setting chose it: --data-dir, then $STIDEBENCH_DATA, then <package root>/data. */
export function resolveDataDirWithOrigin(
  opt?: string,
  env: NodeJS.ProcessEnv = process.env,
): { dir: string; origin: DataDirOrigin } {
  if (opt !== undefined && opt !== '') return { dir: resolve(opt), origin: 'flag' };
  const fromEnv = env['STIDEBENCH_DATA'];
  if (fromEnv !== undefined && fromEnv !== '') return { dir: resolve(fromEnv), origin: 'env' };
  return { dir: join(packageRoot(), 'data'), origin: 'default' };
}

export function resolveDataDir(opt?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolveDataDirWithOrigin(opt, env).dir;
}

/** Absolute folder of a dataset's files: inside the data directory, or next to the manifest when embedded. */
export function datasetRoot(manifest: Manifest, dataDir: string): string {
  return manifest.embedded ? resolve(dirname(manifest.manifestPath), manifest.root) : resolve(dataDir, manifest.root);
}

/** The InputError for a dataset whose files are not in the data directory. */
export function missingDataError(manifest: Manifest, root: string): InputError {
  if (manifest.embedded) {
    return new InputError(`dataset "${manifest.name}" is embedded but its folder is missing: ${root}`);
  }
  return new InputError(
    `data for dataset "${manifest.name}" not found: looked in ${root}; ` +
      `run \`stidebench datasets fetch ${manifest.name}\`, or point --data-dir (or STIDEBENCH_DATA) at the folder holding ${manifest.root}`,
  );
}
