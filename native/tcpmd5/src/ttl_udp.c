// UDP sockets that report each datagram's received TTL / hop limit (IP_RECVTTL, IPV6_RECVHOPLIMIT) and send at TTL 255: BFD's GTSM (RFC 5881 §5).
#include <node_api.h>
#include <uv.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  int fd;
  int af;
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  int closed;
} ttl_udp;

static napi_value udp_error(napi_env env, const char* what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_value m, e, code;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_error(env, NULL, m, &e);
  napi_create_int32(env, errno, &code);
  napi_set_named_property(env, e, "errno", code);
  napi_throw(env, e);
  return NULL;
}

static int parse_addr(int af, const char* text, int port, struct sockaddr_storage* ss, socklen_t* len) {
  memset(ss, 0, sizeof *ss);
  if (af == AF_INET) {
    struct sockaddr_in* s = (struct sockaddr_in*)ss;
    s->sin_family = AF_INET;
    s->sin_port = htons((uint16_t)port);
    *len = sizeof *s;
    return inet_pton(AF_INET, text, &s->sin_addr) == 1;
  }
  struct sockaddr_in6* s6 = (struct sockaddr_in6*)ss;
  s6->sin6_family = AF_INET6;
  s6->sin6_port = htons((uint16_t)port);
  *len = sizeof *s6;
  return inet_pton(AF_INET6, text, &s6->sin6_addr) == 1;
}

static void on_readable(uv_poll_t* handle, int status, int events) {
  ttl_udp* u = (ttl_udp*)handle->data;
  if (status < 0 || !(events & UV_READABLE) || u->closed) return;
  napi_env env = u->env;
  // Bounded drain per wakeup so one busy socket cannot starve the loop.
  for (int i = 0; i < 64 && !u->closed; i++) {
    unsigned char buf[2048];
    unsigned char control[256];
    struct sockaddr_storage from;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(u->fd, &msg, MSG_DONTWAIT);
    if (n < 0) return;
    int ttl = -1;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) || (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
        memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      }
    }
    char addr[INET6_ADDRSTRLEN] = "";
    int port = 0;
    if (from.ss_family == AF_INET) {
      struct sockaddr_in* s = (struct sockaddr_in*)&from;
      inet_ntop(AF_INET, &s->sin_addr, addr, sizeof addr);
      port = ntohs(s->sin_port);
    } else if (from.ss_family == AF_INET6) {
      struct sockaddr_in6* s6 = (struct sockaddr_in6*)&from;
      inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof addr);
      port = ntohs(s6->sin6_port);
    }
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value cb, recv, argv[4], result;
    void* data;
    napi_get_reference_value(env, u->callback, &cb);
    napi_get_global(env, &recv);
    napi_create_buffer_copy(env, (size_t)n, buf, &data, &argv[0]);
    napi_create_string_utf8(env, addr, NAPI_AUTO_LENGTH, &argv[1]);
    napi_create_int32(env, port, &argv[2]);
    napi_create_int32(env, ttl, &argv[3]);
    if (napi_make_callback(env, u->async, recv, cb, 4, argv, &result) != napi_ok) {
      // A throwing handler is the process's uncaught exception, as for any other event callback.
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value err;
        napi_get_and_clear_last_exception(env, &err);
        napi_fatal_exception(env, err);
      }
    }
    napi_close_handle_scope(env, scope);
  }
}

static void finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  ttl_udp* u = (ttl_udp*)data;
  // The poll handle may still be closing: free in its close callback when it was started.
  if (u->closed == 2) free(u);
  else u->closed = 3;
}

static void on_closed(uv_handle_t* h) {
  ttl_udp* u = (ttl_udp*)h->data;
  if (u->closed == 3) free(u);
  else u->closed = 2;
}

/* udpOpen(family, bindAddress, port, device, onMessage(buf, address, port, ttl)) -> handle */
static napi_value UdpOpen(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5) {
    napi_throw_type_error(env, NULL, "udpOpen: missing arguments");
    return NULL;
  }
  int32_t family, port;
  char bind_addr[64], device[IFNAMSIZ + 1] = "";
  size_t len;
  napi_get_value_int32(env, argv[0], &family);
  if (family != 4 && family != 6) {
    napi_throw_type_error(env, NULL, "udpOpen: family must be 4 or 6");
    return NULL;
  }
  int af = family == 4 ? AF_INET : AF_INET6;
  if (napi_get_value_string_utf8(env, argv[1], bind_addr, sizeof bind_addr, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "udpOpen: bind address must be a string");
    return NULL;
  }
  napi_get_value_int32(env, argv[2], &port);
  napi_valuetype t;
  napi_typeof(env, argv[3], &t);
  if (t == napi_string) napi_get_value_string_utf8(env, argv[3], device, sizeof device, &len);
  struct sockaddr_storage ss;
  socklen_t sslen;
  if (port < 0 || port > 65535 || !parse_addr(af, bind_addr, port, &ss, &sslen)) {
    napi_throw_type_error(env, NULL, "udpOpen: bad bind address or port");
    return NULL;
  }
  int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return udp_error(env, "socket");
  int one = 1, ttl = 255;
  int ok = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0;
  if (af == AF_INET) {
    ok = ok && setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof one) == 0;
    ok = ok && setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) == 0;
  } else {
    ok = ok && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0;
    ok = ok && setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one) == 0;
    ok = ok && setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl) == 0;
  }
  if (ok && device[0]) ok = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, (socklen_t)strlen(device)) == 0;
  if (!ok) {
    int e = errno;
    close(fd);
    errno = e;
    return udp_error(env, "setsockopt");
  }
  if (bind(fd, (struct sockaddr*)&ss, sslen) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return udp_error(env, "bind");
  }
  ttl_udp* u = calloc(1, sizeof *u);
  u->fd = fd;
  u->af = af;
  u->env = env;
  napi_create_reference(env, argv[4], 1, &u->callback);
  napi_value name;
  napi_create_string_utf8(env, "ttl-udp", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &u->async);
  uv_loop_t* loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &u->poll, fd);
  u->poll.data = u;
  uv_poll_start(&u->poll, UV_READABLE, on_readable);
  napi_value handle;
  napi_create_external(env, u, finalize, NULL, &handle);
  return handle;
}

static ttl_udp* get_handle(napi_env env, napi_value v) {
  void* data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || !data) {
    napi_throw_type_error(env, NULL, "ttl-udp: not a socket handle");
    return NULL;
  }
  ttl_udp* u = (ttl_udp*)data;
  if (u->closed) {
    napi_throw_error(env, NULL, "ttl-udp: socket is closed");
    return NULL;
  }
  return u;
}

/* udpSend(handle, buffer, address, port) */
static napi_value UdpSend(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "udpSend: missing arguments");
    return NULL;
  }
  ttl_udp* u = get_handle(env, argv[0]);
  if (!u) return NULL;
  void* data;
  size_t n, len;
  char addr[64];
  int32_t port;
  if (napi_get_buffer_info(env, argv[1], &data, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "udpSend: expected a Buffer");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[2], addr, sizeof addr, &len);
  napi_get_value_int32(env, argv[3], &port);
  struct sockaddr_storage ss;
  socklen_t sslen;
  if (port < 1 || port > 65535 || !parse_addr(u->af, addr, port, &ss, &sslen)) {
    napi_throw_type_error(env, NULL, "udpSend: bad address or port for this socket's family");
    return NULL;
  }
  if (sendto(u->fd, data, n, MSG_DONTWAIT, (struct sockaddr*)&ss, sslen) < 0) return udp_error(env, "sendto");
  return NULL;
}

/* udpClose(handle) */
static napi_value UdpClose(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void* data = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || !data) return NULL;
  ttl_udp* u = (ttl_udp*)data;
  if (u->closed) return NULL;
  u->closed = 1;
  uv_poll_stop(&u->poll);
  close(u->fd);
  napi_delete_reference(env, u->callback);
  napi_async_destroy(env, u->async);
  uv_close((uv_handle_t*)&u->poll, on_closed);
  return NULL;
}

void ttl_udp_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"udpOpen", NULL, UdpOpen, NULL, NULL, NULL, napi_default, NULL},
      {"udpSend", NULL, UdpSend, NULL, NULL, NULL, napi_default, NULL},
      {"udpClose", NULL, UdpClose, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
