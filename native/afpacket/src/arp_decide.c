/* ARP decision and per-IP counts for the answer thread (arp_answerer.c); no I/O, no N-API. */
#include <stdlib.h>
#include <string.h>

#include "arp_decide.h"

uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int contains(const uint32_t *ips, size_t n, uint32_t ip) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ips[mid] == ip) return 1;
    if (ips[mid] < ip) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}

static const unsigned char BROADCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* 1 with `reply` written when `f` is an ARP request for an address in `ips` sent to broadcast or to
 * `mac`; *claim = 1 when the frame's sender IP is in `ips` and its sender MAC is not `mac`. */
int arp_decide(const unsigned char *f, size_t len, const unsigned char mac[6], const uint32_t *ips, size_t n,
                      unsigned char reply[REPLY_LEN], int *claim) {
  static const unsigned char ARP_HDR[8] = {0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4};
  *claim = 0;
  if (len < FRAME_HEAD || memcmp(f + 12, ARP_HDR, sizeof ARP_HDR) != 0) return 0;
  uint32_t spa = rd32(f + 28);
  if (spa != 0 && memcmp(f + 22, mac, 6) != 0 && contains(ips, n, spa)) *claim = 1;
  if (f[20] != 0 || f[21] != 1) return 0;
  if (memcmp(f, BROADCAST, 6) != 0 && memcmp(f, mac, 6) != 0) return 0;
  if (!contains(ips, n, rd32(f + 38))) return 0;
  memcpy(reply, f + 22, 6); /* to the requester's hardware address */
  memcpy(reply + 6, mac, 6);
  memcpy(reply + 12, ARP_HDR, sizeof ARP_HDR);
  reply[20] = 0, reply[21] = 2;
  memcpy(reply + 22, mac, 6);
  memcpy(reply + 28, f + 38, 4);
  memcpy(reply + 32, f + 22, 6);
  memcpy(reply + 38, f + 28, 4);
  memset(reply + FRAME_HEAD, 0, REPLY_LEN - FRAME_HEAD);
  return 1;
}

int counts_init(Counts *c, uint32_t cap) {
  c->keys = calloc(cap, sizeof *c->keys);
  c->rx = calloc(cap, sizeof *c->rx);
  c->tx = calloc(cap, sizeof *c->tx);
  c->cap = cap;
  c->used = 0;
  return c->keys && c->rx && c->tx;
}

void counts_free(Counts *c) {
  free(c->keys), free(c->rx), free(c->tx);
  memset(c, 0, sizeof *c);
}

static uint32_t slot_of(const Counts *c, uint32_t ip) {
  uint32_t i = (ip * 2654435761u) & (c->cap - 1);
  while (c->keys[i] != 0 && c->keys[i] != ip) i = (i + 1) & (c->cap - 1);
  return i;
}

/* Adds to ip's counts; grows at half load (a failed grow keeps the old table: counts stay exact until it is full). */
void counts_add(Counts *c, uint32_t ip, uint32_t rx, uint32_t tx) {
  if (c->cap == 0) return;
  if ((c->used + 1) * 2 > c->cap) {
    Counts bigger;
    if (counts_init(&bigger, c->cap * 2)) {
      for (uint32_t i = 0; i < c->cap; i++) {
        if (c->keys[i] == 0) continue;
        uint32_t j = slot_of(&bigger, c->keys[i]);
        bigger.keys[j] = c->keys[i], bigger.rx[j] = c->rx[i], bigger.tx[j] = c->tx[i];
      }
      bigger.used = c->used;
      counts_free(c);
      *c = bigger;
    } else {
      counts_free(&bigger);
      if (c->used + 1 >= c->cap) return;
    }
  }
  uint32_t i = slot_of(c, ip);
  if (c->keys[i] == 0) c->keys[i] = ip, c->used++;
  c->rx[i] += rx;
  c->tx[i] += tx;
}

