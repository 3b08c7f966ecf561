/* What the addon's source files share: errno errors for JS and the kernel ARP filter. */
#ifndef METALLBTS_AFPACKET_ADDON_H
#define METALLBTS_AFPACKET_ADDON_H
#include <linux/filter.h>
#include <node_api.h>

/* Throws an Error "what: strerror(err)" with an `errno` property; returns NULL for the caller to return. */
napi_value throw_errno(napi_env env, const char *what, int err);

/* Sends a Buffer on an AF_PACKET fd; returns the bytes sent as a JS number (throws on a bad frame or errno). */
napi_value send_frame(napi_env env, int fd, napi_value frame);

/* Classic BPF program: only Ethernet/IPv4 ARP requests and replies that are not our own outgoing frames. */
extern const struct sock_fprog ARP_FILTER_PROG;

/* Adds openAnswerer/setAnswered/logRequests/closeAnswerer/refAnswerer/answerFrame to exports. */
void arp_answerer_register(napi_env env, napi_value exports);
#endif
