/* The ARP answer thread (arp_answerer.c) and its N-API face (arp_answerer_js.c) share this state. */
#ifndef METALLBTS_ARP_ANSWERER_H
#define METALLBTS_ARP_ANSWERER_H
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <uv.h>

#include "arp_decide.h"

#define RECORD_LEN 44    /* u8 kind, u8 pkttype, the frame's first FRAME_HEAD bytes; JS reads these names in plugins/layer2/afpacket.ts */
#define RING_RECORDS 4096
#define COUNT_LEN 12     /* u32be ip, u32le answered, u32le sent */
#define KIND_ANSWERED 1
#define KIND_CLAIM 2

typedef struct {
  int fd, stopfd, ifindex;
  unsigned char mac[6];
  pthread_t thread;
  pthread_mutex_t lock;
  /* Guarded by lock (the answer thread and the JS thread). */
  uint32_t *ips; /* sorted; big-endian value of each address */
  size_t n_ips, cap_ips;
  Counts counts;
  unsigned char *ring;
  uint32_t ring_len;
  uint64_t lost, unsent;
  int send_errno, log_requests;
  int yield_on_claim; /* graceful handover: a claimed IP leaves the table at once */
  /* JS thread only: swapped with ring/counts at each drain so no allocation happens under the lock. */
  unsigned char *spare_ring;
  Counts spare_counts;
  uv_async_t async;
  napi_env env;
  napi_ref callback;
  napi_async_context async_ctx;
  int closed, uv_closed, js_alive;
} Answerer;

/* The thread: waits on the socket and the stop eventfd, answers, queues reports for JS. */
void *answer_loop(void *arg);
/* JS thread: hands what the thread queued to the JS callback (uv_async). */
void on_async(uv_async_t *h);
/* Stops the thread, closes the sockets, drops the callback; the struct is freed when libuv and JS are both done. */
void answerer_shutdown(Answerer *a, napi_env env);
void free_answerer(Answerer *a);
void on_answerer_closed(uv_handle_t *h);
/* Under the lock: table edits (sorted, deduplicated). */
int table_add(Answerer *a, uint32_t ip);
int table_remove(Answerer *a, uint32_t ip);
#endif
