// Owns the kernel backend's eBPF program (`watch --backend kernel`): the online detector of
// src/live/online.ts (OnlineDetector.push, the paper's XenIds loop) run in the kernel, per thread, from a
// trained model that bpf/stide-loader.c loads into maps. Built by src/live/kernel-build.ts with
// `clang -O2 -g -target bpf`. Per call (BTF raw tracepoint sys_enter, no perf buffer):
//   - scope filter first: the thread's task-local storage (BPF_MAP_TYPE_TASK_STORAGE) exists only for
//     watched threads (created by the loader for the given tids, at fork for their children and threads,
//     or on the first call inside the watched cgroup); nothing else is touched for other threads;
//   - syscall number -> model id through the array `ids` (value id + 1, 0 = the model's <unknown> id;
//     bit 16: a reset call, execve/execveat/vfork for xenids);
//   - rolling window key: the last k ids packed into 64 bits (`bits` each), a ring of the last 16 raw
//     numbers so an alarm names the real calls (also those outside the vocabulary, any k <= 16);
//   - the buffer (not the frame) reset on reset calls, then the reset call starts the new buffer;
//   - database membership: one lookup of the key in the hash `db`;
//   - locality frame over the last `frame` windows (<= 1024) as a bitmask with a running count;
//   - alarms rate limited like Watcher (first, then one per `frame` windows) sent through a ring buffer;
//     optional SIGSTOP/SIGKILL by the kernel to the offending process (bpf_send_signal), before the
//     call returns, only inside the scope, never to pid <= 1 or watch itself;
//   - a launcher prelude (`watch -- CMD`): the launcher shell's own calls are skipped until an exec
//     succeeds (sched_process_exec); that exec call is the command's first.
// Nothing per call leaves the kernel. Lost ring-buffer records and failed storage creations are counted.

#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

#define MAXK 16
#define MAXF 1024
#define NR_IDS 512
#define RESET_FLAG (1u << 16)

struct cfg {
	__u64 kmask;
	__u64 cgroup; /* 0: tasks scope */
	__u32 k;
	__u32 bits;
	__u32 frame;
	__u32 min_lfc;
	__u32 signal; /* 0 report, else the signal number */
	__u32 own_pid;
	__u32 unknown_id;
	__u32 pad;
};
const volatile struct cfg CFG SEC(".rodata.cfg") = {};

struct st {
	__u64 key;
	__u64 ev;
	__u64 win;
	__u64 mis;
	__u64 al;
	__u64 rep; /* window + 1 of the last report, 0 = none */
	__u64 fa1; /* first alarm window + 1, 0 = none */
	__u64 t0;
	__u32 fill;
	__u32 lfc;
	__u32 fpos;
	__u32 flags; /* 1: live (counted in `live`), 2: launcher prelude */
	__u32 prenr; /* prelude: the launcher's last call (its exec when on_exec runs) */
	__u32 pad;
	__u32 raw[MAXK];
	__u64 fbits[MAXF / 64];
};

/* Records sent to user space. */
struct rec {
	__u32 type; /* 1 alarm, 2 thread end */
	__u32 tid;
	__u32 pid;
	__u32 lfc;
	__u64 win;
	__u64 ev;
	__u64 mis;
	__u64 al;
	__u64 fa1;
	__u64 key;
	__u64 ns;
	__u64 t0;
	__u32 raw[MAXK];
	char comm[16];
};

enum { C_EV, C_MIS, C_LOST, C_FULL, C_N };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_IDS);
	__type(key, __u32);
	__type(value, __u32);
} ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* set by the loader */
	__type(key, __u64);
	__type(value, __u8);
} db SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct st);
} state SEC(".maps");

/* Threads with state, for the final dump of those still alive (task storage cannot be iterated). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, C_N);
	__type(key, __u32);
	__type(value, __u64);
} cnt SEC(".maps");

static __always_inline void bump(__u32 i)
{
	__u64 *c = bpf_map_lookup_elem(&cnt, &i);
	if (c)
		*c += 1;
}

static __always_inline void add_live(struct st *s, __u32 tid)
{
	__u8 one = 1;
	if (bpf_map_update_elem(&live, &tid, &one, BPF_ANY) == 0)
		s->flags |= 1;
	else
		bump(C_FULL);
}

/* One call of a watched thread: OnlineDetector.push. */
static __always_inline int step(struct st *s, __u32 nr)
{
	__u32 v = 0;
	if (nr < NR_IDS) {
		__u32 *p = bpf_map_lookup_elem(&ids, &nr);
		if (p)
			v = *p;
	}
	__u64 idv = (v & 0xffff) ? (v & 0xffff) - 1 : CFG.unknown_id;
	bump(C_EV);
	__u64 ev = ++s->ev;
	if (ev == 1)
		s->t0 = bpf_ktime_get_ns();
	if (v & RESET_FLAG) {
		s->fill = 0;
		s->key = 0;
	}
	__u64 key = ((s->key << CFG.bits) | idv) & CFG.kmask;
	s->key = key;
	s->raw[(ev - 1) & (MAXK - 1)] = nr;
	if (s->fill < CFG.k - 1) {
		s->fill++;
		return 0;
	}
	__u64 w = s->win++;
	__u32 miss = bpf_map_lookup_elem(&db, &key) ? 0 : 1;
	__u32 pos = s->fpos;
	s->fpos = pos + 1 >= CFG.frame ? 0 : pos + 1;
	__u32 wi = (pos >> 6) & (MAXF / 64 - 1);
	__u64 bit = pos & 63;
	__u64 m = s->fbits[wi];
	__u32 old = (m >> bit) & 1;
	s->fbits[wi] = (m & ~(1ull << bit)) | ((__u64)miss << bit);
	__u32 lfc = s->lfc + miss - old;
	s->lfc = lfc;
	if (miss) {
		s->mis++;
		bump(C_MIS);
	}
	if (lfc < CFG.min_lfc)
		return 0;
	s->al++;
	__u64 last = s->rep;
	if (last == 0)
		s->fa1 = w + 1;
	if (last != 0 && w + 1 - last < CFG.frame)
		return 0;
	s->rep = w + 1;
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 pid = pt >> 32;
	if (last == 0 && CFG.signal && pid > 1 && pid != CFG.own_pid)
		bpf_send_signal(CFG.signal);
	struct rec *r = bpf_ringbuf_reserve(&out, sizeof(struct rec), 0);
	if (!r) {
		bump(C_LOST);
		return 0;
	}
	r->type = 1;
	r->tid = (__u32)pt;
	r->pid = pid;
	r->lfc = lfc;
	r->win = w;
	r->ev = ev - 1;
	r->mis = s->mis;
	r->al = s->al;
	r->fa1 = s->fa1;
	r->key = key;
	r->ns = bpf_ktime_get_ns();
	r->t0 = s->t0;
	__builtin_memcpy(r->raw, s->raw, sizeof(r->raw));
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct st *s;

	if (CFG.cgroup) {
		if (bpf_get_current_cgroup_id() != CFG.cgroup)
			return 0;
		s = bpf_task_storage_get(&state, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!s) {
			bump(C_FULL);
			return 0;
		}
		if (!(s->flags & 1))
			add_live(s, (__u32)bpf_get_current_pid_tgid());
	} else {
		s = bpf_task_storage_get(&state, task, 0, 0);
		if (!s)
			return 0;
	}

	__u32 nr = (__u32)id;
	if (s->flags & 2) {
		/* watch -- CMD: the launcher shell's own calls (also failed execs of a PATH search) are not the
		 * command's; the exec that succeeds is its first call (on_exec) */
		s->prenr = nr;
		return 0;
	}
	return step(s, nr);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p)
{
	struct st *s = bpf_task_storage_get(&state, bpf_get_current_task_btf(), 0, 0);
	if (!s || !(s->flags & 2))
		return 0;
	s->flags &= ~2u;
	return step(s, s->prenr);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	if (CFG.cgroup)
		return 0;
	if (!bpf_task_storage_get(&state, parent, 0, 0))
		return 0;
	struct st *s = bpf_task_storage_get(&state, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		bump(C_FULL);
		return 0;
	}
	/* A fresh thread or process (a reused pid starts fresh too). */
	__builtin_memset(s, 0, sizeof(*s));
	add_live(s, (__u32)child->pid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct st *s = bpf_task_storage_get(&state, task, 0, 0);
	if (!s)
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (s->ev > 0) {
		struct rec *r = bpf_ringbuf_reserve(&out, sizeof(struct rec), 0);
		if (r) {
			__builtin_memset(r, 0, sizeof(*r));
			r->type = 2;
			r->tid = tid;
			r->ev = s->ev;
			r->win = s->win;
			r->mis = s->mis;
			r->al = s->al;
			r->fa1 = s->fa1;
			bpf_ringbuf_submit(r, 0);
		} else {
			bump(C_LOST);
		}
	}
	if (s->flags & 1)
		bpf_map_delete_elem(&live, &tid);
	bpf_task_storage_delete(&state, task);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
