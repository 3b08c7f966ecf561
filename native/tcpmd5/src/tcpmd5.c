// Socket options Node cannot set before connect(): TCP_MD5SIG (RFC 2385), IP_TTL / IPV6_UNICAST_HOPS, SO_BINDTODEVICE (UDP with received TTL: ttl_udp.c).
// The fd is created here, configured, and handed to `new net.Socket({ fd })` which then connects it.
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "tcpmd5: N-API call failed");       \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static napi_value throw_errno(napi_env env, const char* what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value* argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "tcpmd5: missing arguments");
    return 0;
  }
  return 1;
}

static int get_family(napi_env env, napi_value v, int* out) {
  int32_t f;
  if (napi_get_value_int32(env, v, &f) != napi_ok || (f != 4 && f != 6)) {
    napi_throw_type_error(env, NULL, "tcpmd5: family must be 4 or 6");
    return 0;
  }
  *out = f == 4 ? AF_INET : AF_INET6;
  return 1;
}

/* socket(family) -> fd: a non-blocking, close-on-exec TCP socket. */
static napi_value Socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int af;
  if (!get_args(env, info, 1, argv) || !get_family(env, argv[0], &af)) return NULL;
  int fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket");
  napi_value out;
  CHECK(napi_create_int32(env, fd, &out));
  return out;
}

/* setMd5(fd, family, peerAddress, key): installs the RFC 2385 key for that peer. */
static napi_value SetMd5(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int af;
  int32_t fd;
  char addr[64];
  char key[TCP_MD5SIG_MAXKEYLEN + 1];
  size_t addr_len, key_len;
  if (!get_args(env, info, 4, argv) || !get_family(env, argv[1], &af)) return NULL;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_string_utf8(env, argv[2], addr, sizeof addr, &addr_len));
  if (napi_get_value_string_utf8(env, argv[3], key, sizeof key, &key_len) != napi_ok || key_len > TCP_MD5SIG_MAXKEYLEN) {
    napi_throw_range_error(env, NULL, "tcpmd5: key longer than 80 bytes");
    return NULL;
  }
  struct tcp_md5sig sig;
  memset(&sig, 0, sizeof sig);
  if (af == AF_INET) {
    struct sockaddr_in* sin = (struct sockaddr_in*)&sig.tcpm_addr;
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) goto bad_addr;
  } else {
    struct sockaddr_in6* sin6 = (struct sockaddr_in6*)&sig.tcpm_addr;
    sin6->sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1) goto bad_addr;
  }
  sig.tcpm_keylen = (uint16_t)key_len;
  memcpy(sig.tcpm_key, key, key_len);
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) != 0) return throw_errno(env, "setsockopt(TCP_MD5SIG)");
  return NULL;
bad_addr:
  napi_throw_type_error(env, NULL, "tcpmd5: peer address does not match the family");
  return NULL;
}

/* setTtl(fd, family, ttl): IP_TTL for IPv4, IPV6_UNICAST_HOPS for IPv6. */
static napi_value SetTtl(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int af;
  int32_t fd, ttl;
  if (!get_args(env, info, 3, argv) || !get_family(env, argv[1], &af)) return NULL;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_int32(env, argv[2], &ttl));
  if (ttl < 1 || ttl > 255) {
    napi_throw_range_error(env, NULL, "tcpmd5: ttl must be 1..255");
    return NULL;
  }
  int rc = af == AF_INET ? setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl)
                         : setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
  if (rc != 0) return throw_errno(env, "setsockopt(TTL)");
  return NULL;
}

/* bindToDevice(fd, name): SO_BINDTODEVICE, so routes (and the source address) come from that device or VRF only. */
static napi_value BindToDevice(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  char name[IFNAMSIZ + 1];
  size_t len;
  if (!get_args(env, info, 2, argv)) return NULL;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  if (napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len) != napi_ok || len == 0 || len >= IFNAMSIZ) {
    napi_throw_range_error(env, NULL, "tcpmd5: device name must be 1..15 bytes");
    return NULL;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)len) != 0) {
    int e = errno;
    char msg[256];
    snprintf(msg, sizeof msg, "setsockopt(SO_BINDTODEVICE %s): %s", name, strerror(e));
    napi_value m, err, code;
    CHECK(napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m));
    CHECK(napi_create_error(env, NULL, m, &err));
    CHECK(napi_create_int32(env, e, &code));
    CHECK(napi_set_named_property(env, err, "errno", code));
    napi_throw(env, err);
    return NULL;
  }
  return NULL;
}

/* close(fd): for an fd never handed to Node. */
static napi_value Close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv)) return NULL;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  close(fd);
  return NULL;
}

void ttl_udp_register(napi_env env, napi_value exports);

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socket", NULL, Socket, NULL, NULL, NULL, napi_default, NULL},
      {"setMd5", NULL, SetMd5, NULL, NULL, NULL, napi_default, NULL},
      {"setTtl", NULL, SetTtl, NULL, NULL, NULL, napi_default, NULL},
      {"bindToDevice", NULL, BindToDevice, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, Close, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  ttl_udp_register(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
