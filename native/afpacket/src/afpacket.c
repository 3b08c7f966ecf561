/* AF_PACKET raw sockets for Node (ARP needs link-layer frames): event-driven via uv_poll (the ARP answerer thread is in arp_answerer.c).
 * One JS call per received frame; optional in-kernel ARP or NDP filter (SO_ATTACH_FILTER). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "addon.h"

#define MAX_FRAME 9216
/* Frames handled per readable event before yielding to the loop (bounds one callback burst). */
#define MAX_BURST 64

typedef struct {
  uv_poll_t poll;
  int fd;
  int ifindex;
  int closed;     /* fd closed, poll stopped, uv_close requested */
  int uv_closed;  /* libuv finished closing the poll handle */
  int js_alive;   /* the JS external still references this struct */
  napi_env env;
  napi_ref callback;
  napi_async_context async_ctx;
} Sock;

#define CHECK(call)                                   \
  do {                                                \
    if ((call) != napi_ok) {                          \
      napi_throw_error(env, NULL, "N-API call failed: " #call); \
      return NULL;                                    \
    }                                                 \
  } while (0)

napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, message, error;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_int32(env, err, &code);
  napi_create_error(env, NULL, message, &error);
  napi_set_named_property(env, error, "errno", code);
  napi_throw(env, error);
  return NULL;
}

/* The struct is freed by whichever comes last: libuv's close callback or the external's finalizer. */
static void on_closed(uv_handle_t *h) {
  Sock *s = (Sock *)h->data;
  s->uv_closed = 1;
  if (!s->js_alive) free(s);
}

/* Stops polling, closes the fd and drops the JS callback; the struct is freed by libuv later. */
static void sock_shutdown(Sock *s, napi_env env) {
  if (s->closed) return;
  s->closed = 1;
  uv_poll_stop(&s->poll);
  close(s->fd);
  s->fd = -1;
  if (s->callback) {
    napi_delete_reference(env, s->callback);
    s->callback = NULL;
  }
  if (s->async_ctx) {
    napi_async_destroy(env, s->async_ctx);
    s->async_ctx = NULL;
  }
  uv_close((uv_handle_t *)&s->poll, on_closed);
}

/* Calls the JS callback with argv, turning a throw into an uncaught exception (as an event emitter would). */
static void call_js(Sock *s, size_t argc, napi_value *argv) {
  napi_env env = s->env;
  napi_value cb, recv, result;
  napi_get_reference_value(env, s->callback, &cb);
  napi_get_global(env, &recv);
  napi_status st = napi_make_callback(env, s->async_ctx, recv, cb, argc, argv, &result);
  if (st == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  Sock *s = (Sock *)handle->data;
  napi_env env = s->env;
  (void)events;
  if (s->closed || status < 0) return;
  unsigned char buf[MAX_FRAME];
  for (int i = 0; i < MAX_BURST && !s->closed; i++) {
    struct sockaddr_ll from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(s->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
    if (n < 0) break; /* EAGAIN or a transient error: wait for the next event */
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    if (s->ifindex != 0 && from.sll_ifindex != s->ifindex) continue;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value argv[2];
    void *data;
    napi_create_buffer_copy(env, (size_t)n, buf, &data, &argv[0]);
    napi_create_uint32(env, from.sll_pkttype, &argv[1]);
    call_js(s, 2, argv);
    napi_close_handle_scope(env, scope);
  }
}

static void finalize_sock(napi_env env, void *data, void *hint) {
  (void)hint;
  Sock *s = (Sock *)data;
  s->js_alive = 0;
  if (!s->closed) sock_shutdown(s, env); /* on_closed frees it later */
  else if (s->uv_closed) free(s);
}

static Sock *get_sock(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "expected an afpacket socket handle");
    return NULL;
  }
  return (Sock *)data;
}

/* get_sock for calls that need a socket that is still open (throws otherwise). */
static Sock *get_open_sock(napi_env env, napi_value v) {
  Sock *s = get_sock(env, v);
  if (s && s->closed) {
    napi_throw_error(env, NULL, "socket is closed");
    return NULL;
  }
  return s;
}

/* Classic BPF (jump offsets count from the next instruction; index 11 accepts, 12 drops): accept only Ethernet/IPv4 ARP requests and replies that are not our own outgoing frames. */
static struct sock_filter ARP_FILTER[] = {
  BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 10, 0),
  BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12), /* ethertype */
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0806, 0, 8),
  BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 14), /* htype, ptype */
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x00010800, 0, 6),
  BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 18), /* hlen, plen */
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0604, 0, 4),
  BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20), /* op */
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 1),
  BPF_STMT(BPF_RET | BPF_K, 0x40000),
  BPF_STMT(BPF_RET | BPF_K, 0),
};
const struct sock_fprog ARP_FILTER_PROG = {sizeof ARP_FILTER / sizeof ARP_FILTER[0], ARP_FILTER};

/* Classic BPF (index 9 accepts, 10 drops): only untagged IPv6 frames carrying ICMPv6 directly (no
 * extension header) with hop limit 255 (RFC 4861 §7.1.1: anything else did not come from the link)
 * and type NS or NA, not our own outgoing frames. */
static struct sock_filter NDP_FILTER[] = {
  BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 8, 0),
  BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12), /* ethertype */
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, 0, 6),
  BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20), /* next header, hop limit */
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (58 << 8) | 255, 0, 4),
  BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 54), /* ICMPv6 type */
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 135, 1, 0),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 136, 0, 1),
  BPF_STMT(BPF_RET | BPF_K, 0x40000),
  BPF_STMT(BPF_RET | BPF_K, 0),
};
static const struct sock_fprog NDP_FILTER_PROG = {sizeof NDP_FILTER / sizeof NDP_FILTER[0], NDP_FILTER};

typedef struct {
  int arp_only;
  int ndp_only;
} OpenOptions;

/* Reads { arpOnly?: boolean, ndpOnly?: boolean }; false on a bad value (TypeError thrown). */
static int read_options(napi_env env, napi_value obj, OpenOptions *o) {
  napi_valuetype t;
  if (napi_typeof(env, obj, &t) != napi_ok) return 0;
  if (t == napi_undefined || t == napi_null) return 1;
  if (t != napi_object) {
    napi_throw_type_error(env, NULL, "options must be an object");
    return 0;
  }
  const char *bools[] = {"arpOnly", "ndpOnly"};
  int *bool_out[] = {&o->arp_only, &o->ndp_only};
  for (int i = 0; i < 2; i++) {
    napi_value v;
    bool b = false;
    if (napi_get_named_property(env, obj, bools[i], &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok) return 0;
    if (t == napi_undefined) continue;
    if (napi_get_value_bool(env, v, &b) != napi_ok) {
      napi_throw_type_error(env, NULL, "arpOnly/ndpOnly must be booleans");
      return 0;
    }
    *bool_out[i] = b;
  }
  return 1;
}

/* open(ifindex, ethertype, callback, options?) -> handle; callback(frame: Buffer, pkttype: number) per frame. */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t ifindex = 0, proto = 0;
  napi_valuetype t;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &ifindex) != napi_ok ||
      napi_get_value_int32(env, argv[1], &proto) != napi_ok || napi_typeof(env, argv[2], &t) != napi_ok ||
      t != napi_function || ifindex <= 0 || proto <= 0 || proto > 0xffff) {
    napi_throw_type_error(env, NULL, "open(ifindex > 0, ethertype, callback)");
    return NULL;
  }
  OpenOptions opts = {0, 0};
  if (argc >= 4 && !read_options(env, argv[3], &opts)) return NULL;
  /* Protocol 0 until bind: no frame is queued before the filter is attached and the interface chosen. */
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_PACKET)", errno);
  if (opts.arp_only) {
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &ARP_FILTER_PROG, sizeof ARP_FILTER_PROG) < 0) {
      int err = errno;
      close(fd);
      return throw_errno(env, "setsockopt(SO_ATTACH_FILTER)", err);
    }
  }
  if (opts.arp_only && opts.ndp_only) {
    close(fd);
    napi_throw_type_error(env, NULL, "arpOnly and ndpOnly exclude each other");
    return NULL;
  }
  if (opts.ndp_only && setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &NDP_FILTER_PROG, sizeof NDP_FILTER_PROG) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt(SO_ATTACH_FILTER)", err);
  }
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons((uint16_t)proto);
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind(AF_PACKET)", err);
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    close(fd);
    napi_throw_error(env, NULL, "no libuv loop");
    return NULL;
  }
  Sock *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  s->fd = fd;
  s->ifindex = ifindex;
  s->env = env;
  s->poll.data = s;
  int rc = uv_poll_init(loop, &s->poll, fd);
  if (rc != 0) {
    close(fd);
    free(s);
    napi_throw_error(env, NULL, uv_strerror(rc));
    return NULL;
  }
  napi_value name, handle;
  napi_create_string_utf8(env, "afpacket", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[2], 1, &s->callback);
  napi_async_init(env, NULL, name, &s->async_ctx);
  rc = uv_poll_start(&s->poll, UV_READABLE, on_readable);
  if (rc != 0) {
    sock_shutdown(s, env);
    napi_throw_error(env, NULL, uv_strerror(rc));
    return NULL;
  }
  s->js_alive = 1;
  if (napi_create_external(env, s, finalize_sock, NULL, &handle) != napi_ok) {
    s->js_alive = 0;
    sock_shutdown(s, env);
    napi_throw_error(env, NULL, "napi_create_external failed");
    return NULL;
  }
  return handle;
}

napi_value send_frame(napi_env env, int fd, napi_value frame) {
  bool is_buf = false;
  void *data;
  size_t len;
  if (napi_is_buffer(env, frame, &is_buf) != napi_ok || !is_buf || napi_get_buffer_info(env, frame, &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "frame must be a Buffer");
    return NULL;
  }
  ssize_t n = send(fd, data, len, 0);
  if (n < 0) return throw_errno(env, "send(AF_PACKET)", errno);
  napi_value out;
  CHECK(napi_create_int64(env, (int64_t)n, &out));
  return out;
}

/* send(handle, frame: Buffer) -> bytes sent */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "send(handle, frame)");
    return NULL;
  }
  Sock *s = get_open_sock(env, argv[0]);
  return s ? send_frame(env, s->fd, argv[1]) : NULL;
}

/* close(handle): idempotent */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "close(handle)");
    return NULL;
  }
  Sock *s = get_sock(env, argv[0]);
  if (!s) return NULL;
  sock_shutdown(s, env);
  return NULL;
}

/* ref(handle, bool): whether the socket keeps the event loop alive */
static napi_value js_ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Sock *s = argc >= 1 ? get_sock(env, argv[0]) : NULL;
  if (!s) return NULL;
  bool on = true;
  if (argc >= 2) napi_get_value_bool(env, argv[1], &on);
  if (!s->closed) {
    if (on) uv_ref((uv_handle_t *)&s->poll);
    else uv_unref((uv_handle_t *)&s->poll);
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
    {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
    {"ref", NULL, js_ref, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  arp_answerer_register(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
