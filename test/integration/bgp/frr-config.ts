// FRR configuration text for the BGP lab router (AS 64500, router-id 192.168.1.1): bgpd with given neighbours, and bfdd.
/** bgpd.conf: the lab router's fixed header, then `neighbors` (lines under `router bgp`, one-space indented). */
export const frrBgpd = (neighbors: string): string => `frr defaults traditional
hostname R
router bgp 64500
 bgp router-id 192.168.1.1
 no bgp ebgp-requires-policy
${neighbors}`;

/** bfdd.conf: the profile `fast` (100 ms × 3), the intervals the BFD tests and benchmark expect. */
export const BFDD_FAST = `bfd
 profile fast
  detect-multiplier 3
  receive-interval 100
  transmit-interval 100
 !
!
`;
