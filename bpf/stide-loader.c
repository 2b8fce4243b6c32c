// Owns the user-space half of the kernel backend (`watch --backend kernel`): loads bpf/stide.bpf.c (built
// by src/live/kernel-build.ts) with libbpf, fills its maps from a configuration read on stdin (written by
// src/live/kernel-watch.ts from a trained model), attaches it, and prints what leaves the kernel as lines:
//
//   STIDEBENCH-READY                                  every probe attached, the scope's tasks registered
//   A tid pid window event lfc key ns t0 nr,... comm  an alarm (ns, t0: CLOCK_MONOTONIC of the call and of
//                                                     the thread's first call; nr: the window's calls)
//   E tid events windows mismatches alarms fa1         a thread ended (fa1 = first alarm window + 1, 0 none)
//   @nev: N / @nmis: N                                 totals (every second and at the end)
//   Lost N events                                     ring-buffer records dropped (alarm or thread-end lines)
//   @mapfull: N                                       (end) threads whose state could not be created
//   @ev[tid]: N, @win[tid]: N, @mis[tid]: N, @al[tid]: N, @fa1[tid]: N   (end) threads still alive
//
// Configuration lines: "k K", "bits B", "kmask M", "frame F", "minlfc N", "signal S", "ownpid P",
// "unknown U", "cgroup PATH", "id NR VALUE", "db KEY", "tid TID" / "prelude TID" (a launcher whose calls
// before its exec are skipped). It runs until SIGINT/SIGTERM, then drains the ring buffer and prints the
// end lines. Usage: stide-loader OBJECT.bpf.o < config

#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAXK 16
#define MAXF 1024
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

struct cfg {
	uint64_t kmask;
	uint64_t cgroup;
	uint32_t k, bits, frame, min_lfc, signal, own_pid, unknown_id, pad;
};

struct st {
	uint64_t key, ev, win, mis, al, rep, fa1, t0;
	uint32_t fill, lfc, fpos, flags, prenr, pad;
	uint32_t raw[MAXK];
	uint64_t fbits[MAXF / 64];
};

struct rec {
	uint32_t type, tid, pid, lfc;
	uint64_t win, ev, mis, al, fa1, key, ns, t0;
	uint32_t raw[MAXK];
	char comm[16];
};

enum { C_EV, C_MIS, C_LOST, C_FULL, C_N };

static volatile sig_atomic_t stopping;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || level == LIBBPF_INFO)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "ERROR: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

static uint32_t K;

static int on_rec(void *ctx, void *data, size_t size)
{
	(void)ctx;
	const struct rec *r = data;
	if (size < sizeof(*r))
		return 0;
	if (r->type == 1) {
		char comm[17];
		memcpy(comm, r->comm, 16);
		comm[16] = 0;
		printf("A %u %u %llu %llu %u %lld %llu %llu ", r->tid, r->pid, (unsigned long long)r->win, (unsigned long long)r->ev, r->lfc,
		       (long long)r->key, (unsigned long long)r->ns, (unsigned long long)r->t0);
		for (uint32_t j = 0; j < K; j++) {
			uint64_t e = r->ev + 1 - K + j;
			printf(j ? ",%u" : "%u", r->raw[e & (MAXK - 1)]);
		}
		printf(" %s\n", comm);
	} else if (r->type == 2) {
		printf("E %u %llu %llu %llu %llu %llu\n", r->tid, (unsigned long long)r->ev, (unsigned long long)r->win, (unsigned long long)r->mis,
		       (unsigned long long)r->al, (unsigned long long)r->fa1);
	}
	return 0;
}

static uint64_t counter(int fd, uint32_t i)
{
	int n = libbpf_num_possible_cpus();
	if (n <= 0)
		return 0;
	uint64_t *v = calloc((size_t)n, sizeof(uint64_t));
	uint64_t sum = 0;
	if (v && bpf_map_lookup_elem(fd, &i, v) == 0)
		for (int c = 0; c < n; c++)
			sum += v[c];
	free(v);
	return sum;
}

static int pidfd_of(uint32_t tid)
{
	return (int)syscall(SYS_pidfd_open, (pid_t)tid, PIDFD_THREAD);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJECT.bpf.o < config\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(libbpf_log);

	struct cfg cfg = {0};
	size_t cap_ids = 1024, n_ids = 0, cap_db = 1024, n_db = 0, cap_t = 64, n_t = 0;
	uint32_t(*idv)[2] = malloc(cap_ids * sizeof(*idv));
	uint64_t *dbk = malloc(cap_db * sizeof(*dbk));
	uint32_t(*tids)[2] = malloc(cap_t * sizeof(*tids));
	char line[4200];
	while (fgets(line, sizeof line, stdin)) {
		unsigned long long a, b;
		char path[4096];
		if (sscanf(line, "id %llu %llu", &a, &b) == 2) {
			if (n_ids == cap_ids)
				idv = realloc(idv, (cap_ids *= 2) * sizeof(*idv));
			idv[n_ids][0] = (uint32_t)a;
			idv[n_ids++][1] = (uint32_t)b;
		} else if (sscanf(line, "db %llu", &a) == 1) {
			if (n_db == cap_db)
				dbk = realloc(dbk, (cap_db *= 2) * sizeof(*dbk));
			dbk[n_db++] = a;
		} else if (sscanf(line, "tid %llu", &a) == 1 || sscanf(line, "prelude %llu", &a) == 1) {
			if (n_t == cap_t)
				tids = realloc(tids, (cap_t *= 2) * sizeof(*tids));
			tids[n_t][0] = (uint32_t)a;
			tids[n_t++][1] = line[0] == 'p' ? 3 : 1;
		} else if (sscanf(line, "kmask %llu", &a) == 1) cfg.kmask = a;
		else if (sscanf(line, "k %llu", &a) == 1) cfg.k = (uint32_t)a;
		else if (sscanf(line, "bits %llu", &a) == 1) cfg.bits = (uint32_t)a;
		else if (sscanf(line, "frame %llu", &a) == 1) cfg.frame = (uint32_t)a;
		else if (sscanf(line, "minlfc %llu", &a) == 1) cfg.min_lfc = (uint32_t)a;
		else if (sscanf(line, "signal %llu", &a) == 1) cfg.signal = (uint32_t)a;
		else if (sscanf(line, "ownpid %llu", &a) == 1) cfg.own_pid = (uint32_t)a;
		else if (sscanf(line, "unknown %llu", &a) == 1) cfg.unknown_id = (uint32_t)a;
		else if (sscanf(line, "cgroup %4095[^\n]", path) == 1) {
			struct stat sb;
			if (stat(path, &sb) != 0)
				return fail(path, errno);
			cfg.cgroup = (uint64_t)sb.st_ino;
		} else if (line[0] != '\n' && line[0] != '#') {
			fprintf(stderr, "ERROR: bad configuration line: %s", line);
			return 2;
		}
	}
	if (cfg.k < 1 || cfg.k > MAXK || cfg.frame < 1 || cfg.frame > MAXF || cfg.bits < 1 || cfg.bits * cfg.k > 64) {
		fprintf(stderr, "ERROR: configuration out of range (k %u, frame %u, bits %u)\n", cfg.k, cfg.frame, cfg.bits);
		return 2;
	}
	K = cfg.k;

	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		return fail("open eBPF object", errno);
	struct bpf_map *m, *rodata = NULL;
	bpf_object__for_each_map(m, obj) {
		if (strstr(bpf_map__name(m), ".rodata.cfg"))
			rodata = m;
	}
	size_t rsz = 0;
	void *rv = rodata ? (void *)bpf_map__initial_value(rodata, &rsz) : NULL;
	if (!rv || rsz != sizeof(cfg)) {
		fprintf(stderr, "ERROR: the eBPF object's configuration block has %zu bytes, expected %zu\n", rsz, sizeof(cfg));
		return 1;
	}
	memcpy(rv, &cfg, sizeof(cfg));
	struct bpf_map *db = bpf_object__find_map_by_name(obj, "db");
	struct bpf_map *live = bpf_object__find_map_by_name(obj, "live");
	if (!db || !live)
		return fail("eBPF object maps", ENOENT);
	bpf_map__set_max_entries(db, n_db > 0 ? (uint32_t)n_db : 1);
	int err = bpf_object__load(obj);
	if (err)
		return fail("load eBPF program (needs root or CAP_BPF + CAP_PERFMON, and a kernel with BTF)", err);

	int ids_fd = bpf_object__find_map_fd_by_name(obj, "ids");
	int db_fd = bpf_map__fd(db);
	int st_fd = bpf_object__find_map_fd_by_name(obj, "state");
	int live_fd = bpf_map__fd(live);
	int cnt_fd = bpf_object__find_map_fd_by_name(obj, "cnt");
	int out_fd = bpf_object__find_map_fd_by_name(obj, "out");
	for (size_t i = 0; i < n_ids; i++)
		if (idv[i][0] < 512 && bpf_map_update_elem(ids_fd, &idv[i][0], &idv[i][1], BPF_ANY) != 0)
			return fail("fill the id map", errno);
	uint8_t one = 1;
	for (size_t i = 0; i < n_db; i++)
		if (bpf_map_update_elem(db_fd, &dbk[i], &one, BPF_NOEXIST) != 0 && errno != EEXIST)
			return fail("fill the window database", errno);

	/* The roots before attaching: from then on their new threads and children are followed by on_fork. */
	uint64_t full = 0;
	for (size_t i = 0; i < n_t; i++) {
		int fd = pidfd_of(tids[i][0]);
		if (fd < 0)
			continue; /* already gone */
		struct st s;
		memset(&s, 0, sizeof s);
		s.flags = tids[i][1];
		if (bpf_map_update_elem(st_fd, &fd, &s, BPF_NOEXIST) != 0 && errno != EEXIST)
			full++;
		else if (bpf_map_update_elem(live_fd, &tids[i][0], &one, BPF_ANY) != 0)
			full++;
		close(fd);
	}

	struct bpf_program *p;
	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__attach(p))
			return fail(bpf_program__name(p), errno);
	}
	struct ring_buffer *rb = ring_buffer__new(out_fd, on_rec, NULL, NULL);
	if (!rb)
		return fail("ring buffer", errno);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("STIDEBENCH-READY\n");

	uint64_t lost_printed = 0;
	struct timespec last, now;
	clock_gettime(CLOCK_MONOTONIC, &last);
	while (!stopping) {
		int n = ring_buffer__poll(rb, 100);
		if (n < 0 && n != -EINTR)
			return fail("ring buffer poll", n);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - last.tv_sec) * 1000000000LL + (now.tv_nsec - last.tv_nsec) >= 1000000000LL) {
			last = now;
			printf("@nev: %llu\n@nmis: %llu\n", (unsigned long long)counter(cnt_fd, C_EV), (unsigned long long)counter(cnt_fd, C_MIS));
			uint64_t lost = counter(cnt_fd, C_LOST);
			if (lost > lost_printed) {
				printf("Lost %llu events\n", (unsigned long long)(lost - lost_printed));
				lost_printed = lost;
			}
		}
	}
	ring_buffer__consume(rb);
	printf("@nev: %llu\n@nmis: %llu\n", (unsigned long long)counter(cnt_fd, C_EV), (unsigned long long)counter(cnt_fd, C_MIS));
	uint64_t lost = counter(cnt_fd, C_LOST);
	if (lost > lost_printed)
		printf("Lost %llu events\n", (unsigned long long)(lost - lost_printed));
	printf("@mapfull: %llu\n", (unsigned long long)(full + counter(cnt_fd, C_FULL)));
	/* Threads still alive: their counts from task storage (looked up through a pidfd). */
	uint32_t key, next;
	int have = bpf_map_get_next_key(live_fd, NULL, &next) == 0;
	while (have) {
		key = next;
		int fd = pidfd_of(key);
		struct st s;
		if (fd >= 0 && bpf_map_lookup_elem(st_fd, &fd, &s) == 0 && s.ev > 0)
			printf("@ev[%u]: %llu\n@win[%u]: %llu\n@mis[%u]: %llu\n@al[%u]: %llu\n@fa1[%u]: %llu\n", key, (unsigned long long)s.ev, key,
			       (unsigned long long)s.win, key, (unsigned long long)s.mis, key, (unsigned long long)s.al, key, (unsigned long long)s.fa1);
		if (fd >= 0)
			close(fd);
		have = bpf_map_get_next_key(live_fd, &key, &next) == 0;
	}
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
