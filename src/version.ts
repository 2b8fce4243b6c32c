// Owns the package version string shown by --version and written to provenance.json.
export const STIDEBENCH_VERSION = '0.1.0';
