/* pingd: a deliberately vulnerable "host check" service for stidebench's LID-DS-format sample.
 * Listens on 127.0.0.1:PORT; each connection is served by its own thread, which reads one line (a host
 * name), runs `echo checking <line>` through popen (a shell) and sends the output back. The line is
 * pasted into the shell command unchecked: "x; cat /etc/hostname" runs cat (CWE-78, command injection).
 * The line "QUIT" stops the server. Never run it anywhere but on a loopback address in a test. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void *serve(void *arg) {
  int fd = (int)(long)arg;
  char line[256], cmd[320], out[512];
  ssize_t n = read(fd, line, sizeof line - 1);
  if (n > 0) {
    line[n] = 0;
    line[strcspn(line, "\r\n")] = 0;
    if (strcmp(line, "QUIT") == 0) {
      close(fd);
      exit(0);
    }
    snprintf(cmd, sizeof cmd, "echo checking %s", line);
    FILE *p = popen(cmd, "r");
    if (p) {
      size_t m;
      while ((m = fread(out, 1, sizeof out, p)) > 0) write(fd, out, m);
      pclose(p);
    }
  }
  close(fd);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: pingd PORT\n");
    return 2;
  }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)atoi(argv[1]));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0) {
    perror("pingd");
    return 1;
  }
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    pthread_t t;
    if (pthread_create(&t, NULL, serve, (void *)(long)c) == 0) pthread_detach(t);
    else close(c);
  }
}
