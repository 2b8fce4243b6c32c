// Owns the CPU clock of the benchmarks: CPU time (user + system) of this process, ms, microsecond
// resolution. On a shared machine it excludes time other processes held the cores.

export function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
