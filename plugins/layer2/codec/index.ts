// Pure layer-2 codecs (Buffer ⇄ typed value, no sockets): Ethernet, ARP, NDP, IPv6/ICMPv6 frames.
export * from './errors';
export * from './mac';
export * from './ethernet';
export * from './arp';
export * from './ndp';
export * from './ipv6';
