/* The answer thread's pure parts: the ARP decision (mirrors ArpResponder.handleFrame) and the per-IP counts map. */
#ifndef METALLBTS_ARP_DECIDE_H
#define METALLBTS_ARP_DECIDE_H
#include <stddef.h>
#include <stdint.h>

#define FRAME_HEAD 42 /* Ethernet + ARP for Ethernet/IPv4 */
#define REPLY_LEN 60  /* padded to the Ethernet minimum, as encodeArpReplyFrame */

/* Open-addressing map ip → (answered, sent); key 0 (0.0.0.0, never answered) marks a free slot. */
typedef struct {
  uint32_t *keys, *rx, *tx;
  uint32_t cap, used;
} Counts;

/* Big-endian u32 at p (an IPv4 address as the table holds it). */
uint32_t rd32(const unsigned char *p);

/* 1 with `reply` written when `f` is an ARP request for an address in `ips` (sorted) sent to broadcast
 * or to `mac`; *claim = 1 when the frame's sender IP is in `ips` and its sender MAC is not `mac` (a claimed
 * request is still answered, as MetalLB does: both owners then see each other). */
int arp_decide(const unsigned char *f, size_t len, const unsigned char mac[6], const uint32_t *ips, size_t n,
               unsigned char reply[REPLY_LEN], int *claim);

int counts_init(Counts *c, uint32_t cap); /* cap: a power of two; 0 on allocation failure */
void counts_free(Counts *c);
void counts_add(Counts *c, uint32_t ip, uint32_t rx, uint32_t tx);
#endif
