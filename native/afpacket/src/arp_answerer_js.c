/* N-API face of the ARP answer thread (arp_answerer.c): open, table edits, request reports, handover mode, close. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addon.h"
#include "arp_answerer.h"

static void finalize_answerer(napi_env env, void *data, void *hint) {
  (void)hint;
  Answerer *a = data;
  a->js_alive = 0;
  if (!a->closed) answerer_shutdown(a, env);
  else if (a->uv_closed) free_answerer(a);
}

static Answerer *get_answerer(napi_env env, napi_value v, int open) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "expected an ARP answerer handle");
    return NULL;
  }
  Answerer *a = data;
  if (open && a->closed) {
    napi_throw_error(env, NULL, "ARP answerer is closed");
    return NULL;
  }
  return a;
}

#define ARGS(count)                                                     \
  size_t argc = count;                                                  \
  napi_value argv[count];                                               \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL

static int cmp_u32(const void *x, const void *y) {
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  return a < b ? -1 : a > b;
}

/* Reads a Buffer of 4-byte big-endian IPv4 addresses into a sorted, deduplicated array (0 on a bad argument: TypeError thrown). */
static int read_ips(napi_env env, napi_value v, uint32_t **ips, size_t *n) {
  bool is_buf = false;
  unsigned char *data;
  size_t len;
  if (napi_is_buffer(env, v, &is_buf) != napi_ok || !is_buf || napi_get_buffer_info(env, v, (void **)&data, &len) != napi_ok || len % 4) {
    napi_throw_type_error(env, NULL, "ips must be a Buffer of 4-byte IPv4 addresses");
    return 0;
  }
  uint32_t *out = malloc(len ? len : 4);
  if (!out) {
    napi_throw_error(env, NULL, "out of memory");
    return 0;
  }
  size_t k = 0;
  for (size_t i = 0; i < len / 4; i++) {
    uint32_t ip = rd32(data + i * 4);
    if (ip != 0) out[k++] = ip;
  }
  qsort(out, k, sizeof *out, cmp_u32);
  size_t m = 0;
  for (size_t i = 0; i < k; i++) if (m == 0 || out[m - 1] != out[i]) out[m++] = out[i];
  *ips = out;
  *n = m;
  return 1;
}

static napi_value get_mac(napi_env env, napi_value v, unsigned char mac[6]) {
  bool is_buf = false;
  void *data;
  size_t len;
  if (napi_is_buffer(env, v, &is_buf) != napi_ok || !is_buf || napi_get_buffer_info(env, v, &data, &len) != napi_ok || len != 6) {
    napi_throw_type_error(env, NULL, "mac must be a 6-byte Buffer");
    return NULL;
  }
  memcpy(mac, data, 6);
  return v;
}

/* openAnswerer(ifindex, mac: Buffer(6), callback) -> handle; answers nothing until setAnswered. */
static napi_value js_open_answerer(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t ifindex = 0;
  napi_valuetype t;
  unsigned char mac[6];
  if (argc < 3 || napi_get_value_int32(env, argv[0], &ifindex) != napi_ok || ifindex <= 0 ||
      napi_typeof(env, argv[2], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "openAnswerer(ifindex > 0, mac, callback)");
    return NULL;
  }
  if (!get_mac(env, argv[1], mac)) return NULL;
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_PACKET)", errno);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ARP);
  sll.sll_ifindex = ifindex;
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &ARP_FILTER_PROG, sizeof ARP_FILTER_PROG) < 0 ||
      bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "AF_PACKET ARP socket", err);
  }
  int stopfd = eventfd(0, EFD_CLOEXEC);
  Answerer *a = calloc(1, sizeof *a);
  uv_loop_t *loop = NULL;
  if (stopfd < 0 || !a || !(a->ring = malloc((size_t)RING_RECORDS * RECORD_LEN)) ||
      !(a->spare_ring = malloc((size_t)RING_RECORDS * RECORD_LEN)) || !counts_init(&a->counts, 64) ||
      !counts_init(&a->spare_counts, 64) || napi_get_uv_event_loop(env, &loop) != napi_ok) {
    close(fd);
    if (stopfd >= 0) close(stopfd);
    if (a) {
      free(a->ring), free(a->spare_ring), counts_free(&a->counts), counts_free(&a->spare_counts);
      free(a);
    }
    napi_throw_error(env, NULL, "ARP answerer: out of resources");
    return NULL;
  }
  a->fd = fd, a->stopfd = stopfd, a->ifindex = ifindex, a->env = env;
  memcpy(a->mac, mac, 6);
  pthread_mutex_init(&a->lock, NULL);
  a->async.data = a;
  uv_async_init(loop, &a->async, on_async);
  napi_value name, handle;
  napi_create_string_utf8(env, "arp-answerer", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[2], 1, &a->callback);
  napi_async_init(env, NULL, name, &a->async_ctx);
  int rc = pthread_create(&a->thread, NULL, answer_loop, a);
  if (rc != 0) {
    a->closed = 1;
    close(fd), close(stopfd);
    napi_delete_reference(env, a->callback);
    napi_async_destroy(env, a->async_ctx);
    uv_close((uv_handle_t *)&a->async, on_answerer_closed);
    return throw_errno(env, "pthread_create", rc);
  }
  pthread_setname_np(a->thread, "arp-answerer");
  a->js_alive = 1;
  if (napi_create_external(env, a, finalize_answerer, NULL, &handle) != napi_ok) {
    a->js_alive = 0;
    answerer_shutdown(a, env);
    napi_throw_error(env, NULL, "napi_create_external failed");
    return NULL;
  }
  return handle;
}

/* setAnswered(handle, ips: Buffer of 4-byte addresses): the table is swapped whole, under the lock. */
static napi_value js_set_answered(napi_env env, napi_callback_info info) {
  ARGS(2);
  Answerer *a = argc >= 2 ? get_answerer(env, argv[0], 1) : NULL;
  uint32_t *ips;
  size_t n;
  if (!a || !read_ips(env, argv[1], &ips, &n)) return NULL;
  pthread_mutex_lock(&a->lock);
  uint32_t *old = a->ips;
  a->ips = ips, a->n_ips = n, a->cap_ips = n;
  pthread_mutex_unlock(&a->lock);
  free(old);
  return NULL;
}

/* answerIp(handle, ip: Buffer(4), on): adds or drops one address, in place (O(table) under the lock). */
static napi_value js_answer_ip(napi_env env, napi_callback_info info) {
  ARGS(3);
  Answerer *a = argc >= 3 ? get_answerer(env, argv[0], 1) : NULL;
  bool is_buf = false, on = false;
  unsigned char *data;
  size_t len;
  if (!a) return NULL;
  if (napi_is_buffer(env, argv[1], &is_buf) != napi_ok || !is_buf || napi_get_buffer_info(env, argv[1], (void **)&data, &len) != napi_ok ||
      len != 4 || napi_get_value_bool(env, argv[2], &on) != napi_ok) {
    napi_throw_type_error(env, NULL, "answerIp(handle, ip: 4-byte Buffer, on: boolean)");
    return NULL;
  }
  uint32_t ip = rd32(data);
  if (ip == 0) return NULL;
  pthread_mutex_lock(&a->lock);
  int ok = on ? table_add(a, ip) : (table_remove(a, ip), 1);
  pthread_mutex_unlock(&a->lock);
  if (!ok) napi_throw_error(env, NULL, "ARP answerer: out of memory");
  return NULL;
}

/* Which mode switch a call sets (both are read by the thread under the lock). */
enum Mode { MODE_LOG_REQUESTS, MODE_YIELD_ON_CLAIM };

static napi_value set_mode(napi_env env, napi_callback_info info, enum Mode mode) {
  ARGS(2);
  Answerer *a = argc >= 2 ? get_answerer(env, argv[0], 1) : NULL;
  bool on = false;
  if (!a) return NULL;
  napi_get_value_bool(env, argv[1], &on);
  pthread_mutex_lock(&a->lock);
  if (mode == MODE_LOG_REQUESTS) a->log_requests = on;
  else a->yield_on_claim = on;
  pthread_mutex_unlock(&a->lock);
  return NULL;
}

/* logRequests(handle, on): whether answered requests are reported to JS (for per-request log lines). */
static napi_value js_log_requests(napi_env env, napi_callback_info info) {
  return set_mode(env, info, MODE_LOG_REQUESTS);
}

/* yieldOnClaim(handle, on): from now on an IP another MAC claims leaves the table at once (graceful handover). */
static napi_value js_yield_on_claim(napi_env env, napi_callback_info info) {
  return set_mode(env, info, MODE_YIELD_ON_CLAIM);
}

/* answererSend(handle, frame: Buffer) -> bytes sent (gratuitous ARP from the JS thread). */
static napi_value js_answerer_send(napi_env env, napi_callback_info info) {
  ARGS(2);
  Answerer *a = argc >= 2 ? get_answerer(env, argv[0], 1) : NULL;
  return a ? send_frame(env, a->fd, argv[1]) : NULL;
}

/* closeAnswerer(handle): idempotent; waits for the thread (it is never inside a batch for long). */
static napi_value js_close_answerer(napi_env env, napi_callback_info info) {
  ARGS(1);
  Answerer *a = argc >= 1 ? get_answerer(env, argv[0], 0) : NULL;
  if (a) answerer_shutdown(a, env);
  return NULL;
}

/* refAnswerer(handle, on): whether the answerer keeps the event loop alive. */
static napi_value js_ref_answerer(napi_env env, napi_callback_info info) {
  ARGS(2);
  Answerer *a = argc >= 1 ? get_answerer(env, argv[0], 0) : NULL;
  bool on = true;
  if (!a) return NULL;
  if (argc >= 2) napi_get_value_bool(env, argv[1], &on);
  if (!a->closed) {
    if (on) uv_ref((uv_handle_t *)&a->async);
    else uv_unref((uv_handle_t *)&a->async);
  }
  return NULL;
}

/* answerFrame(frame, mac, ips) -> { reply: Buffer | null, claim: boolean }: the thread's decision, for tests. */
static napi_value js_answer_frame(napi_env env, napi_callback_info info) {
  ARGS(3);
  bool is_buf = false;
  void *frame;
  size_t len;
  unsigned char mac[6], reply[REPLY_LEN];
  uint32_t *ips;
  size_t n;
  if (argc < 3 || napi_is_buffer(env, argv[0], &is_buf) != napi_ok || !is_buf || napi_get_buffer_info(env, argv[0], &frame, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "answerFrame(frame: Buffer, mac: Buffer, ips: Buffer)");
    return NULL;
  }
  if (!get_mac(env, argv[1], mac) || !read_ips(env, argv[2], &ips, &n)) return NULL;
  int claim = 0;
  int answer = arp_decide(frame, len, mac, ips, n, reply, &claim);
  free(ips);
  napi_value out, r, c;
  napi_create_object(env, &out);
  if (answer) napi_create_buffer_copy(env, REPLY_LEN, reply, NULL, &r);
  else napi_get_null(env, &r);
  napi_get_boolean(env, claim, &c);
  napi_set_named_property(env, out, "reply", r);
  napi_set_named_property(env, out, "claim", c);
  return out;
}

void arp_answerer_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"openAnswerer", NULL, js_open_answerer, NULL, NULL, NULL, napi_default, NULL},
    {"setAnswered", NULL, js_set_answered, NULL, NULL, NULL, napi_default, NULL},
    {"answerIp", NULL, js_answer_ip, NULL, NULL, NULL, napi_default, NULL},
    {"logRequests", NULL, js_log_requests, NULL, NULL, NULL, napi_default, NULL},
    {"yieldOnClaim", NULL, js_yield_on_claim, NULL, NULL, NULL, napi_default, NULL},
    {"answererSend", NULL, js_answerer_send, NULL, NULL, NULL, napi_default, NULL},
    {"closeAnswerer", NULL, js_close_answerer, NULL, NULL, NULL, napi_default, NULL},
    {"refAnswerer", NULL, js_ref_answerer, NULL, NULL, NULL, napi_default, NULL},
    {"answerFrame", NULL, js_answer_frame, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
