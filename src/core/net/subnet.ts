// Interface subnets (`192.168.1.10/24`) as address ranges, to ask whether a pool's addresses lie on a node's LAN.
import { ipBits, parseIp, type IpFamily } from './ip';

/** An interface subnet as an address range (`192.168.1.10/24` → 192.168.1.0–192.168.1.255). */
export interface Subnet {
  /** 4 or 6. */
  family: IpFamily;
  /** First address of the subnet, as an integer. */
  first: bigint;
  /** Last address (inclusive), as an integer. */
  last: bigint;
  /** The text it was parsed from. */
  text: string;
}

/** An interface address with prefix length → its subnet; undefined when malformed. */
export function parseSubnet(text: string): Subnet | undefined {
  const [addr, len, extra] = text.split('/');
  if (addr === undefined || extra !== undefined || len === undefined || !/^\d{1,3}$/.test(len)) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const bits = ipBits(ip.family);
  const prefix = Number(len);
  if (prefix > bits) return undefined;
  const host = (1n << BigInt(bits - prefix)) - 1n;
  const first = ip.value & ~host & ((1n << BigInt(bits)) - 1n);
  return { family: ip.family, first, last: first | host, text };
}

/** Whether the whole range [first, last] of `family` lies inside the subnet. */
export function subnetContains(subnet: Subnet, range: { family: IpFamily; first: bigint; last: bigint }): boolean {
  return subnet.family === range.family && subnet.first <= range.first && range.last <= subnet.last;
}
