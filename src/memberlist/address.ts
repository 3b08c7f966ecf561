// IP addresses as memberlist carries them: 4 raw bytes for IPv4, 16 for IPv6 (or IPv4-mapped).
import { isIPv4, isIPv6 } from 'node:net';

export function ipToBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map((p) => Number(p)));
  if (isIPv6(ip)) {
    const [head = '', tail = ''] = ip.split('::');
    const parse = (s: string): number[] => {
      if (s === '') return [];
      const groups: number[] = [];
      for (const g of s.split(':')) {
        if (g.includes('.')) {
          const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
          groups.push((a << 8) | b, (c << 8) | d);
        } else groups.push(parseInt(g, 16));
      }
      return groups;
    };
    const h = parse(head);
    const t = ip.includes('::') ? parse(tail) : [];
    const groups = ip.includes('::') ? [...h, ...new Array(8 - h.length - t.length).fill(0), ...t] : h;
    const out = Buffer.alloc(16);
    groups.forEach((g, i) => out.writeUInt16BE(g & 0xffff, i * 2));
    return out;
  }
  throw new Error(`not an IP address: ${ip}`);
}

/** Text form; IPv4-mapped IPv6 (what Go sends when bound to 0.0.0.0) becomes dotted IPv4. */
export function bytesToIp(b: Buffer): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length === 16) {
    const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
    if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
    return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return '';
}

/** Splits "ADDR:PORT" or "[v6]:PORT"; the port defaults to `defaultPort`. */
export function splitHostPort(s: string, defaultPort = 7946): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (m) return { host: m[1] ?? '', port: m[2] ? Number(m[2]) : defaultPort };
  const i = s.lastIndexOf(':');
  if (i > 0 && s.indexOf(':') === i) {
    const port = Number(s.slice(i + 1));
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port in ${s}`);
    return { host: s.slice(0, i), port };
  }
  return { host: s, port: defaultPort };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
