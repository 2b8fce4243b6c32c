/*
 * Owns the in-process timing probe of the side-channel study (scripts/timing-side-channel.sh): can a
 * process tell that its system calls are being watched? Maiero & Miculan (SECRYPT 2011, section 6) name
 * a timing side channel against their hypervisor-level interception; here the probe measures what an
 * unprivileged process can see of in-guest tracers (strace/ptrace, bpftrace/eBPF tracepoints).
 *
 *   timing-probe OUT_PREFIX [iterations=200000] [samples=5000]
 *
 * 1. Blocks SIGUSR1, writes its pid to OUT_PREFIX.ready (write + rename, so the file appears whole),
 *    and waits for SIGUSR1: the driver attaches a tracer first, then starts the measurement.
 * 2. Reads TracerPid from /proc/self/status (non-zero under ptrace, e.g. strace).
 * 3. Round-robin over `iterations` rounds (after 20000 warm-up rounds), each round timing once:
 *      getpid        syscall(SYS_getpid): a real kernel entry every time (glibc no longer caches it,
 *                    and the raw syscall() bypasses any cache anyway);
 *      clock_sys     syscall(SYS_clock_gettime, CLOCK_MONOTONIC): the same clock as a real syscall;
 *      clock_vdso    clock_gettime(CLOCK_MONOTONIC) through the vDSO: no kernel entry, so a tracer of
 *                    system calls should not slow it (a control);
 *      empty         nothing: the cost of the timer itself.
 *    Then, separately (each takes ~1 ms), max(100, min(samples, iterations/200)) rounds of
 *      fork_exec     fork + execve("/bin/true") + waitpid: an exec-heavy loop, where a monitor that
 *                    follows children, resets on exec or sees many calls per round would show.
 *    Each sample is the delta of two vDSO clock_gettime(CLOCK_MONOTONIC) reads around the operation, in
 *    ns. Interleaving the four keeps slow drifts of machine load out of their comparison.
 * 4. Writes OUT_PREFIX.csv ("metric,ns": a systematic subsample of `samples` values per metric, every
 *    (iterations/samples)-th in time order) and OUT_PREFIX.meta (key=value: pid, tracer_pid,
 *    iterations, and p50/p90/p99/mean over ALL iterations of each metric).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define METRICS 4
static const char *NAMES[METRICS] = {"getpid", "clock_sys", "clock_vdso", "empty"};

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static long tracer_pid(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "TracerPid:", 10) == 0) {
      v = strtol(line + 10, NULL, 10);
      break;
    }
  }
  fclose(f);
  return v;
}

static void die(const char *what) {
  fprintf(stderr, "timing-probe: %s: %s\n", what, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s OUT_PREFIX [iterations] [samples]\n", argv[0]);
    return 2;
  }
  const char *prefix = argv[1];
  long iters = argc > 2 ? atol(argv[2]) : 200000;
  long samples = argc > 3 ? atol(argv[3]) : 5000;
  if (iters < 1000 || samples < 1 || samples > iters) {
    fprintf(stderr, "timing-probe: need iterations >= 1000 and 1 <= samples <= iterations\n");
    return 2;
  }
  char path[4096], tmp[4096];

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) die("sigprocmask");
  snprintf(path, sizeof path, "%s.ready", prefix);
  snprintf(tmp, sizeof tmp, "%s.ready.tmp", prefix);
  FILE *r = fopen(tmp, "w");
  if (!r) die(tmp);
  fprintf(r, "%ld\n", (long)getpid());
  fclose(r);
  if (rename(tmp, path) != 0) die("rename");
  int sig = 0;
  if (sigwait(&set, &sig) != 0) die("sigwait");

  long tpid = tracer_pid();
  uint32_t *d[METRICS];
  for (int m = 0; m < METRICS; m++) {
    d[m] = malloc(sizeof(uint32_t) * (size_t)iters);
    if (!d[m]) die("malloc");
  }
  struct timespec ts;
  volatile long sink = 0;
  for (long i = -20000; i < iters; i++) {
    uint64_t t0, t1;
    t0 = now_ns();
    sink += syscall(SYS_getpid);
    t1 = now_ns();
    if (i >= 0) d[0][i] = (uint32_t)(t1 - t0);
    t0 = now_ns();
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    t1 = now_ns();
    if (i >= 0) d[1][i] = (uint32_t)(t1 - t0);
    t0 = now_ns();
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t1 = now_ns();
    if (i >= 0) d[2][i] = (uint32_t)(t1 - t0);
    t0 = now_ns();
    t1 = now_ns();
    if (i >= 0) d[3][i] = (uint32_t)(t1 - t0);
  }

  long ex_n = iters / 200;
  if (ex_n > samples) ex_n = samples;
  if (ex_n < 100) ex_n = 100;
  uint32_t *ex = malloc(sizeof(uint32_t) * (size_t)ex_n);
  if (!ex) die("malloc");
  for (long i = -10; i < ex_n; i++) {
    uint64_t t0 = now_ns();
    pid_t child = fork();
    if (child == 0) {
      execl("/bin/true", "true", (char *)NULL);
      _exit(127);
    }
    if (child < 0) die("fork");
    int st;
    if (waitpid(child, &st, 0) < 0) die("waitpid");
    uint64_t t1 = now_ns();
    if (i >= 0) ex[i] = (uint32_t)(t1 - t0);
  }

  snprintf(path, sizeof path, "%s.csv", prefix);
  FILE *c = fopen(path, "w");
  if (!c) die(path);
  fprintf(c, "metric,ns\n");
  long step = iters / samples;
  for (int m = 0; m < METRICS; m++)
    for (long s = 0; s < samples; s++) fprintf(c, "%s,%u\n", NAMES[m], d[m][s * step]);
  for (long i = 0; i < ex_n; i++) fprintf(c, "fork_exec,%u\n", ex[i]);
  fclose(c);

  snprintf(path, sizeof path, "%s.meta", prefix);
  FILE *meta = fopen(path, "w");
  if (!meta) die(path);
  fprintf(meta, "pid=%ld\ntracer_pid=%ld\niterations=%ld\nsamples=%ld\n", (long)getpid(), tpid, iters, samples);
  for (int m = 0; m < METRICS; m++) {
    double sum = 0;
    for (long i = 0; i < iters; i++) sum += d[m][i];
    qsort(d[m], (size_t)iters, sizeof(uint32_t), cmp_u32);
    fprintf(meta, "%s.p50=%u\n%s.p90=%u\n%s.p99=%u\n%s.mean=%.1f\n", NAMES[m], d[m][iters / 2], NAMES[m], d[m][(long)(iters * 0.9)], NAMES[m],
            d[m][(long)(iters * 0.99)], NAMES[m], sum / (double)iters);
  }
  {
    double sum = 0;
    for (long i = 0; i < ex_n; i++) sum += ex[i];
    qsort(ex, (size_t)ex_n, sizeof(uint32_t), cmp_u32);
    fprintf(meta, "fork_exec.p50=%u\nfork_exec.p90=%u\nfork_exec.p99=%u\nfork_exec.mean=%.1f\n", ex[ex_n / 2], ex[(long)(ex_n * 0.9)], ex[(long)(ex_n * 0.99)], sum / (double)ex_n);
  }
  fclose(meta);
  (void)sink;
  return 0;
}
