/* ARP request flooder for the layer2 bench: a paced (or unpaced) open-loop load that a Node client cannot produce.
 *
 * usage: arpflood IFNAME TARGET_IP RATE DURATION_MS [SLOTS] [SENDER_BASE_IP]
 *   RATE 0 = as fast as the socket takes them (saturation); SLOTS sender IPs SENDER_BASE_IP+0.. are
 *   used in turn, each request's sender IP is its sequence slot, so a reply (TPA = that IP) is
 *   matched to the last request sent from that slot: latencies are exact while below SLOTS / RATE
 *   (a reply later than that is taken for the slot's newer request; choose SLOTS accordingly).
 *   Send times are CLOCK_REALTIME just before the send, reply times the kernel's receive
 *   timestamp (SO_TIMESTAMPNS, same clock).
 * prints one JSON line: sent, answered (replies to our MAC and sender IPs), replies (all ARP replies from TARGET_IP),
 * reused (a slot sent again while still unanswered: its latency is lost), seconds, offered (sent/s),
 * rate (answered/s within the send window), matched (replies with a latency), p50/p90/p99/max latency in µs.
 * Bounded: stops sending after DURATION_MS, then waits 200 ms for late replies.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_LEN 60
#define BATCH 64
#define MAX_SLOTS 65536
#define HIST_US 200000 /* 1 µs buckets up to 200 ms; above goes to the last bucket */

static uint64_t hist[HIST_US + 1];
static int64_t slot_sent_ns[MAX_SLOTS]; /* send time of the slot's unanswered request, 0 = none */

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "arpflood: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* The kernel's receive timestamp of a message (SO_TIMESTAMPNS), or now when absent. */
static int64_t rx_ns_of(struct msghdr *m) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    }
  }
  return now_ns();
}

static double percentile(uint64_t total, double p) {
  if (total == 0) return -1;
  uint64_t want = (uint64_t)(p * (double)total);
  if (want >= total) want = total - 1;
  uint64_t acc = 0;
  for (int i = 0; i <= HIST_US; i++) {
    acc += hist[i];
    if (acc > want) return i;
  }
  return HIST_US;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: arpflood IFNAME TARGET_IP RATE DURATION_MS [SLOTS] [SENDER_BASE_IP]\n");
    return 2;
  }
  const char *ifname = argv[1];
  struct in_addr target, base;
  if (inet_pton(AF_INET, argv[2], &target) != 1) return fprintf(stderr, "bad target %s\n", argv[2]), 2;
  double rate = atof(argv[3]);
  long duration_ms = atol(argv[4]);
  int slots = argc > 5 ? atoi(argv[5]) : 256;
  if (inet_pton(AF_INET, argc > 6 ? argv[6] : "10.200.0.0", &base) != 1) return fprintf(stderr, "bad sender base\n"), 2;
  if (rate < 0 || duration_ms <= 0 || duration_ms > 600000 || slots < 1 || slots > MAX_SLOTS) {
    fprintf(stderr, "arpflood: RATE >= 0, 0 < DURATION_MS <= 600000, 1 <= SLOTS <= %d\n", MAX_SLOTS);
    return 2;
  }
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ARP));
  if (fd < 0) die("socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) die("SIOCGIFINDEX");
  int ifindex = ifr.ifr_ifindex;
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) die("SIOCGIFHWADDR");
  unsigned char mac[6];
  memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ARP);
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) die("bind");
  int one = 1, big = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) < 0) die("SO_TIMESTAMPNS");
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);

  /* One prebuilt broadcast request per slot; only the sender IP differs. */
  unsigned char *frames = calloc((size_t)slots, FRAME_LEN);
  if (!frames) die("calloc");
  uint32_t base_h = ntohl(base.s_addr);
  for (int s = 0; s < slots; s++) {
    unsigned char *f = frames + (size_t)s * FRAME_LEN;
    memset(f, 0xff, 6);
    memcpy(f + 6, mac, 6);
    f[12] = 0x08, f[13] = 0x06;
    f[14] = 0, f[15] = 1, f[16] = 0x08, f[17] = 0, f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1;
    memcpy(f + 22, mac, 6);
    uint32_t sip = htonl(base_h + (uint32_t)s);
    memcpy(f + 28, &sip, 4);
    memcpy(f + 38, &target.s_addr, 4);
  }

  struct mmsghdr out[BATCH], in[BATCH];
  struct iovec out_iov[BATCH], in_iov[BATCH];
  unsigned char rx[BATCH][128];
  char ctrl[BATCH][64];
  memset(out, 0, sizeof out);
  memset(in, 0, sizeof in);
  for (int i = 0; i < BATCH; i++) {
    out_iov[i].iov_len = FRAME_LEN;
    out[i].msg_hdr.msg_iov = &out_iov[i];
    out[i].msg_hdr.msg_iovlen = 1;
    in_iov[i].iov_base = rx[i];
    in_iov[i].iov_len = sizeof rx[i];
  }

  uint64_t sent = 0, answered = 0, matched = 0, replies = 0, reused = 0, answered_in_window = 0;
  int next_slot = 0;
  int64_t start = now_ns();
  int64_t stop_send = start + duration_ms * 1000000LL;
  int64_t stop_all = stop_send + 200 * 1000000LL;
  for (;;) {
    int64_t t = now_ns();
    if (t >= stop_all) break;
    /* Send what is due (paced) or a full batch (unpaced). */
    if (t < stop_send) {
      uint64_t due = rate > 0 ? (uint64_t)((double)(t - start) * rate / 1e9) + 1 : sent + BATCH;
      while (sent < due) {
        int n = (int)(due - sent > BATCH ? BATCH : due - sent);
        int64_t ts = now_ns();
        for (int i = 0; i < n; i++) {
          int s = (next_slot + i) % slots;
          if (slot_sent_ns[s] != 0) reused++; /* unanswered for SLOTS requests: counted lost */
          slot_sent_ns[s] = ts;
          out_iov[i].iov_base = frames + (size_t)s * FRAME_LEN;
        }
        int k = sendmmsg(fd, out, (unsigned)n, 0);
        if (k < 0) {
          if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) k = 0;
          else die("sendmmsg");
        }
        for (int i = k; i < n; i++) slot_sent_ns[(next_slot + i) % slots] = 0; /* not sent after all */
        next_slot = (next_slot + k) % slots;
        sent += (uint64_t)k;
        if (k < n) break;
      }
    }
    /* Drain replies. */
    for (;;) {
      for (int i = 0; i < BATCH; i++) {
        in[i].msg_hdr.msg_iov = &in_iov[i];
        in[i].msg_hdr.msg_iovlen = 1;
        in[i].msg_hdr.msg_control = ctrl[i];
        in[i].msg_hdr.msg_controllen = sizeof ctrl[i];
        in[i].msg_hdr.msg_name = NULL;
        in[i].msg_hdr.msg_namelen = 0;
      }
      int k = recvmmsg(fd, in, BATCH, MSG_DONTWAIT, NULL);
      if (k <= 0) break;
      for (int i = 0; i < k; i++) {
        unsigned char *f = rx[i];
        if (in[i].msg_len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[21] != 2) continue;
        if (memcmp(f + 28, &target.s_addr, 4) != 0) continue;
        replies++;
        uint32_t tpa;
        memcpy(&tpa, f + 38, 4);
        uint32_t s = ntohl(tpa) - base_h;
        /* Ours: to our MAC and one of our sender IPs (other tools may flood from this host too). */
        if (memcmp(f + 32, mac, 6) != 0 || s >= (uint32_t)slots) continue;
        int64_t rx_ns = rx_ns_of(&in[i].msg_hdr);
        answered++;
        if (rx_ns <= stop_send) answered_in_window++;
        if (slot_sent_ns[s] == 0) continue; /* a duplicate, or later than SLOTS requests */
        int64_t us = (rx_ns - slot_sent_ns[s]) / 1000;
        slot_sent_ns[s] = 0;
        hist[us < 0 ? 0 : us > HIST_US ? HIST_US : us]++;
        matched++;
      }
    }
    /* Wait for a reply or the next send time (paced: sleep; unpaced: just yield to replies). */
    int64_t t2 = now_ns();
    int wait_ms = 0;
    if (t2 >= stop_send) wait_ms = 1;
    struct timespec to = {0, 0};
    if (rate > 0 && t2 < stop_send) {
      int64_t next = start + (int64_t)((double)(sent + 1) * 1e9 / rate);
      int64_t d = next - t2;
      if (d > 0) to.tv_nsec = d > 999999999 ? 999999999 : d;
    } else if (wait_ms) {
      to.tv_nsec = 1000000;
    }
    if (to.tv_nsec > 0) {
      struct pollfd pfd = {fd, POLLIN, 0};
      ppoll(&pfd, 1, &to, NULL);
    }
  }
  double seconds = (double)(stop_send - start) / 1e9;
  printf("{\"sent\":%llu,\"answered\":%llu,\"replies\":%llu,\"reused\":%llu,\"seconds\":%.3f,\"offered\":%.0f,\"rate\":%.0f,"
         "\"matched\":%llu,\"p50us\":%.0f,\"p90us\":%.0f,\"p99us\":%.0f,\"maxus\":%.0f}\n",
         (unsigned long long)sent, (unsigned long long)answered, (unsigned long long)replies, (unsigned long long)reused, seconds,
         (double)sent / seconds, (double)answered_in_window / seconds, (unsigned long long)matched, percentile(matched, 0.5), percentile(matched, 0.9),
         percentile(matched, 0.99), percentile(matched, 1.0));
  close(fd);
  free(frames);
  return 0;
}
