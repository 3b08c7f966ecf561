/* ARP answers off the JS thread: one pthread per interface blocks on an AF_PACKET socket and replies
 * to requests for the IPv4 addresses JS put in its table, so a reply never waits for the event loop
 * or a garbage collection (p99 in test/bench/layer2.bench.ts). Hand-written because no library
 * answers ARP from userspace; the decision mirrors ArpResponder.handleFrame (checked against it by
 * test/unit/layer2/arp-answerer.test.ts). JS gets, through a uv_async at most every 5 ms (claims at
 * once): replies counted per IP (metrics), the requests answered while request logging is on,
 * frames in which another MAC claims an answered IP (duplicate owners, handovers), send failures. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "addon.h"
#include "arp_answerer.h"

#define BATCH 64
#define RX_FRAME 128     /* ARP needs 42 bytes; longer frames are read truncated */
#define MAX_DRAIN_ROUNDS 64
/* Replies go out every SEND_CHUNK requests of a batch: each reply costs its receivers' softirq work
 * in our sendmmsg, so the first reply of a 64-frame batch would otherwise wait for the other 63. */
#define SEND_CHUNK 8
/* JS hears from the thread at most this often (claims and a half-full ring at once): under a flood a
 * wake-up per batch would cost the event loop more than the answers cost the thread. */
#define NOTIFY_INTERVAL_NS 5000000LL

/* Under lock: queues a record for JS, or counts it lost when JS has not drained RING_RECORDS of them. */
static void push_record(Answerer *a, int kind, int pkttype, const unsigned char *frame) {
  if (a->ring_len >= RING_RECORDS) {
    a->lost++;
    return;
  }
  unsigned char *r = a->ring + (size_t)a->ring_len++ * RECORD_LEN;
  r[0] = (unsigned char)kind;
  r[1] = (unsigned char)pkttype;
  memcpy(r + 2, frame, FRAME_HEAD);
}

/* n messages over consecutive buffers of `len` bytes from `base` (with a sender address each when `names`). */
static void point_msgs(struct mmsghdr *m, struct iovec *iov, unsigned char *base, size_t len, int n, struct sockaddr_ll *names) {
  memset(m, 0, (size_t)n * sizeof *m);
  for (int i = 0; i < n; i++) {
    iov[i].iov_base = base + (size_t)i * len;
    iov[i].iov_len = len;
    m[i].msg_hdr.msg_iov = &iov[i];
    m[i].msg_hdr.msg_iovlen = 1;
    if (names) m[i].msg_hdr.msg_name = &names[i], m[i].msg_hdr.msg_namelen = sizeof names[i];
  }
}

/* Sends the k replies; a frame the kernel refuses is skipped (as sendMany). ok[i] says which went. */
static void send_replies(Answerer *a, unsigned char (*tx)[REPLY_LEN], int k, unsigned char *ok, int *err) {
  struct mmsghdr msgs[BATCH];
  struct iovec iovs[BATCH];
  point_msgs(msgs, iovs, tx[0], REPLY_LEN, k, NULL);
  memset(ok, 0, (size_t)k);
  int next = 0;
  while (next < k) {
    int r = sendmmsg(a->fd, msgs + next, (unsigned)(k - next), 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      *err = r < 0 ? errno : EIO;
      next++;
      continue;
    }
    for (int i = 0; i < r; i++) ok[next + i] = 1;
    next += r;
  }
}

/* Under the lock: where ip is (or would go) in the sorted table. */
static size_t table_find(const Answerer *a, uint32_t ip, int *found) {
  size_t lo = 0, hi = a->n_ips;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (a->ips[mid] < ip) lo = mid + 1;
    else hi = mid;
  }
  *found = lo < a->n_ips && a->ips[lo] == ip;
  return lo;
}

/* Under the lock: drops ip from the table; 1 if it was there. */
int table_remove(Answerer *a, uint32_t ip) {
  int found;
  size_t i = table_find(a, ip, &found);
  if (!found) return 0;
  memmove(a->ips + i, a->ips + i + 1, (a->n_ips - i - 1) * sizeof *a->ips);
  a->n_ips--;
  return 1;
}

/* Under the lock: adds ip to the table; 0 when out of memory. */
int table_add(Answerer *a, uint32_t ip) {
  int found;
  size_t i = table_find(a, ip, &found);
  if (found) return 1;
  if (a->n_ips == a->cap_ips) {
    size_t cap = a->cap_ips ? a->cap_ips * 2 : 16;
    uint32_t *bigger = realloc(a->ips, cap * sizeof *bigger);
    if (!bigger) return 0;
    a->ips = bigger, a->cap_ips = cap;
  }
  memmove(a->ips + i + 1, a->ips + i, (a->n_ips - i) * sizeof *a->ips);
  a->ips[i] = ip;
  a->n_ips++;
  return 1;
}

/* Under the lock: decides frames [from, to), writes their replies to tx (and the IP each answers),
 * queues claim/answered records for JS; returns the number of replies. */
static int decide_frames(Answerer *a, struct mmsghdr *in, struct sockaddr_ll *names, unsigned char (*rx)[RX_FRAME], int from, int to,
                         unsigned char (*tx)[REPLY_LEN], uint32_t *tx_ip, int *urgent) {
  int k = 0;
  pthread_mutex_lock(&a->lock);
  for (int i = from; i < to; i++) {
    if (names[i].sll_pkttype == PACKET_OUTGOING || names[i].sll_ifindex != a->ifindex) continue;
    int claim = 0;
    int answer = arp_decide(rx[i], in[i].msg_len, a->mac, a->ips, a->n_ips, tx[k], &claim);
    if (claim) {
      push_record(a, KIND_CLAIM, names[i].sll_pkttype, rx[i]), *urgent = 1;
      /* The next owner announced: stop now (this request too, when it asks for that IP), not when JS hears of it. */
      if (a->yield_on_claim && table_remove(a, rd32(rx[i] + 28)) && rd32(rx[i] + 38) == rd32(rx[i] + 28)) answer = 0;
    }
    if (!answer) continue;
    tx_ip[k++] = rd32(rx[i] + 38);
    if (a->log_requests) push_record(a, KIND_ANSWERED, names[i].sll_pkttype, rx[i]);
  }
  if (a->ring_len >= RING_RECORDS / 2) *urgent = 1;
  pthread_mutex_unlock(&a->lock);
  return k;
}

/* Sends k replies, then counts them per IP (answered, and sent when the kernel took the frame). */
static void reply_and_count(Answerer *a, unsigned char (*tx)[REPLY_LEN], const uint32_t *tx_ip, int k) {
  unsigned char ok[BATCH];
  int err = 0;
  send_replies(a, tx, k, ok, &err);
  pthread_mutex_lock(&a->lock);
  for (int i = 0; i < k; i++) {
    counts_add(&a->counts, tx_ip[i], 1, ok[i]);
    if (!ok[i]) a->unsent++;
  }
  if (err) a->send_errno = err;
  pthread_mutex_unlock(&a->lock);
}

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void *answer_loop(void *arg) {
  Answerer *a = arg;
  int64_t last_notify = 0;
  int pending = 0; /* something queued for JS that it has not been woken for */
  struct mmsghdr in[BATCH];
  struct iovec iv[BATCH];
  struct sockaddr_ll names[BATCH];
  unsigned char rx[BATCH][RX_FRAME], tx[BATCH][REPLY_LEN];
  uint32_t tx_ip[BATCH];
  struct pollfd p[2] = {{a->fd, POLLIN, 0}, {a->stopfd, POLLIN, 0}};
  for (;;) {
    int timeout = -1;
    if (pending) {
      int64_t left = last_notify + NOTIFY_INTERVAL_NS - mono_ns();
      timeout = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
    }
    int ready = poll(p, 2, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[1].revents) break;
    if (pending && mono_ns() - last_notify >= NOTIFY_INTERVAL_NS) {
      uv_async_send(&a->async);
      last_notify = mono_ns();
      pending = 0;
    }
    if (ready == 0) continue;
    if (p[0].revents & POLLERR) {
      int e = 0;
      socklen_t l = sizeof e;
      getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &e, &l); /* e.g. ENETDOWN: cleared, keep waiting */
    }
    if (p[0].revents & POLLNVAL) break;
    for (int round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      point_msgs(in, iv, rx[0], RX_FRAME, BATCH, names);
      int n = recvmmsg(a->fd, in, BATCH, MSG_DONTWAIT, NULL);
      if (n <= 0) break;
      int answered = 0, urgent = 0;
      for (int from = 0; from < n; from += SEND_CHUNK) {
        int k = decide_frames(a, in, names, rx, from, from + SEND_CHUNK < n ? from + SEND_CHUNK : n, tx, tx_ip, &urgent);
        if (k > 0) reply_and_count(a, tx, tx_ip, k);
        answered += k;
      }
      if (answered > 0 || urgent) {
        int64_t now = mono_ns();
        if (urgent || now - last_notify >= NOTIFY_INTERVAL_NS) {
          uv_async_send(&a->async);
          last_notify = now;
          pending = 0;
        } else pending = 1;
      }
      if (n < BATCH) break;
    }
  }
  return NULL;
}

void free_answerer(Answerer *a) {
  pthread_mutex_destroy(&a->lock);
  free(a->ips);
  free(a->ring);
  free(a->spare_ring);
  counts_free(&a->counts);
  counts_free(&a->spare_counts);
  free(a);
}

void on_answerer_closed(uv_handle_t *h) {
  Answerer *a = h->data;
  a->uv_closed = 1;
  if (!a->js_alive) free_answerer(a);
}

/* Stops the thread (it wakes on the eventfd at once), closes the sockets and drops the JS callback. */
void answerer_shutdown(Answerer *a, napi_env env) {
  if (a->closed) return;
  a->closed = 1;
  uint64_t one = 1;
  while (write(a->stopfd, &one, sizeof one) < 0 && errno == EINTR) {
  }
  pthread_join(a->thread, NULL);
  close(a->fd);
  close(a->stopfd);
  if (a->callback) napi_delete_reference(env, a->callback), a->callback = NULL;
  if (a->async_ctx) napi_async_destroy(env, a->async_ctx), a->async_ctx = NULL;
  uv_close((uv_handle_t *)&a->async, on_answerer_closed);
}

/* JS thread: takes what the answer thread queued and calls
 * callback(records, recordCount, counts, countEntries, lost, unsent, sendError?: string). */
void on_async(uv_async_t *h) {
  Answerer *a = h->data;
  if (a->closed) return;
  pthread_mutex_lock(&a->lock);
  unsigned char *ring = a->ring;
  uint32_t nrec = a->ring_len;
  a->ring = a->spare_ring, a->ring_len = 0, a->spare_ring = ring;
  Counts counts = a->counts;
  a->counts = a->spare_counts, a->spare_counts = counts;
  double lost = (double)a->lost, unsent = (double)a->unsent;
  int send_errno = a->send_errno;
  a->lost = a->unsent = 0, a->send_errno = 0;
  pthread_mutex_unlock(&a->lock);

  napi_env env = a->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value argv[7], cb, recv, result;
  unsigned char *out;
  napi_create_buffer_copy(env, (size_t)nrec * RECORD_LEN, ring, NULL, &argv[0]);
  napi_create_uint32(env, nrec, &argv[1]);
  napi_create_buffer(env, (size_t)counts.used * COUNT_LEN, (void **)&out, &argv[2]);
  napi_create_uint32(env, counts.used, &argv[3]);
  for (uint32_t i = 0; i < counts.cap; i++) {
    if (counts.keys[i] == 0) continue;
    uint32_t ip = counts.keys[i];
    out[0] = ip >> 24, out[1] = ip >> 16, out[2] = ip >> 8, out[3] = ip;
    memcpy(out + 4, &counts.rx[i], 4); /* little endian on every Linux target we build for */
    memcpy(out + 8, &counts.tx[i], 4);
    out += COUNT_LEN;
  }
  /* The drained map goes back empty: the answer thread gets it at the next drain. */
  memset(a->spare_counts.keys, 0, (size_t)a->spare_counts.cap * sizeof(uint32_t));
  memset(a->spare_counts.rx, 0, (size_t)a->spare_counts.cap * sizeof(uint32_t));
  memset(a->spare_counts.tx, 0, (size_t)a->spare_counts.cap * sizeof(uint32_t));
  a->spare_counts.used = 0;
  napi_create_double(env, lost, &argv[4]);
  napi_create_double(env, unsent, &argv[5]);
  if (send_errno) napi_create_string_utf8(env, strerror(send_errno), NAPI_AUTO_LENGTH, &argv[6]);
  else napi_get_undefined(env, &argv[6]);
  napi_get_reference_value(env, a->callback, &cb);
  napi_get_global(env, &recv);
  if (napi_make_callback(env, a->async_ctx, recv, cb, 7, argv, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

