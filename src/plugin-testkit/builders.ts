// Builders for the values the speaker hands a plugin (pools, Services, config views), with test-friendly defaults.
import {
  emptyConfig,
  formatIp,
  parseIp,
  parseSubnet,
  pluginConfigView,
  type Config,
  type IpRange,
  type PluginAdvertisement,
  type PluginConfigView,
  type Pool,
  type PoolConfigView,
  type ServiceKey,
  type ServiceView,
} from '../core/plugin-api';

/**
 * Parses one pool address entry as a pool's `addresses` take it: a CIDR (`192.0.2.0/28`), a range
 * (`192.0.2.1-192.0.2.9`) or a single address. Throws an Error naming the entry when it is malformed.
 */
export function makeIpRange(text: string): IpRange {
  if (text.includes('/')) {
    const subnet = parseSubnet(text);
    if (!subnet) throw new Error(`plugin-testkit: "${text}" is not a valid CIDR`);
    return { family: subnet.family, first: subnet.first, last: subnet.last, text, prefixLength: Number(text.split('/')[1]) };
  }
  const [a = '', b, extra] = text.split('-').map((s) => s.trim());
  const first = parseIp(a);
  const last = b === undefined ? first : parseIp(b);
  if (extra !== undefined || !first || !last || first.family !== last.family || first.value > last.value) {
    throw new Error(`plugin-testkit: "${text}" is not an address, a CIDR or an ascending range of one family`);
  }
  return { family: first.family, first: first.value, last: last.value, text };
}

/** Options of {@link makePool}; everything but the name has a default. */
export interface PoolOptions {
  /** Address entries (CIDR, range or address); default `['192.0.2.0/28', '2001:db8::/124']`. */
  addresses?: string[];
  /** Canonical protocols announcing the pool; default the protocol given to `makePool` (none when omitted). */
  protocols?: string[];
  /** Default true. */
  autoAssign?: boolean;
  /** Default false. */
  avoidBuggyIPs?: boolean;
  /** The pool object's labels (default none). */
  labels?: Record<string, string>;
  /** Where the pool came from (default `IPAddressPool/<name>` in `config.yaml`). */
  source?: Pool['source'];
}

/** A `Pool` as the core's configuration model holds it. */
export function makePool(name: string, protocol?: string, opts: PoolOptions = {}): Pool {
  return {
    name,
    ranges: (opts.addresses ?? ['192.0.2.0/28', '2001:db8::/124']).map(makeIpRange),
    autoAssign: opts.autoAssign ?? true,
    avoidBuggyIPs: opts.avoidBuggyIPs ?? false,
    labels: opts.labels ?? {},
    protocols: opts.protocols ?? (protocol ? [protocol] : []),
    source: opts.source ?? { file: 'config.yaml', path: `IPAddressPool/${name}` },
  };
}

/** The `n`-th address (0-based) of a pool's first range of `family`, as the core writes it in `ingressIPs`. */
export function poolAddress(pool: Pool, n = 0, family: 4 | 6 = 4): string {
  const range = pool.ranges.find((r) => r.family === family);
  if (!range) throw new Error(`plugin-testkit: pool "${pool.name}" has no IPv${family} range`);
  const value = range.first + BigInt(n);
  if (value > range.last) throw new Error(`plugin-testkit: pool "${pool.name}" has fewer than ${n + 1} IPv${family} addresses in ${range.text}`);
  return formatIp({ family, value });
}

/** A `Config` with these pools and empty everything else (override any part). */
export function makeConfig(parts: Partial<Config> = {}): Config {
  return { ...emptyConfig(), ...parts };
}

/**
 * What `validate` receives for one pool: the pool, the whole config (the pool is added to it when missing) and,
 * when `protocol` is given, that protocol's advertisements selecting the pool (as the core fills them).
 */
export function makePoolConfigView(pool: Pool, config: Config = makeConfig(), protocol?: string): PoolConfigView {
  const pools = config.pools.some((p) => p.name === pool.name) ? config.pools : [...config.pools, pool];
  const view: PoolConfigView = { pool, config: { ...config, pools } };
  if (protocol !== undefined) view.pluginAdvertisements = config.pluginAdvertisements.filter((a) => a.protocol === protocol && a.pools.includes(pool.name));
  return view;
}

/** A PluginAdvertisement (`metallbts.io/v1alpha1`) of `protocol` selecting `pools`, located as `PluginAdvertisement/<name>`. */
export function makePluginAdvertisement(protocol: string, pools: string[], parts: Partial<PluginAdvertisement> = {}): PluginAdvertisement {
  const name = parts.name ?? `${protocol}-advertisement`;
  return { protocol, pools, name, nodeSelectors: [], serviceSelectors: [], options: {}, source: { file: 'config.yaml', path: `PluginAdvertisement/${name}` }, ...parts };
}

/**
 * What `setConfig` receives: the part of `config` that concerns `protocol`, cut the way the speaker cuts it
 * (pools announcing the protocol; peers, BGP advertisements and BFD profiles only for `bgp`, L2 advertisements only for `layer2`).
 */
export function makeConfigView(protocol: string, config: Config | Pool[] = []): PluginConfigView {
  return pluginConfigView(protocol, Array.isArray(config) ? makeConfig({ pools: config }) : config);
}

/** Options of {@link makeService}: any `ServiceView` field. */
export type ServiceOptions = Partial<ServiceView>;

/**
 * A LoadBalancer `ServiceView` (`namespace/name`, or `default/name`) with one TCP port 80, Cluster traffic policy
 * and the given ingress IPs; the IP families follow the IPs.
 */
export function makeService(key: string | ServiceKey, ingressIPs: string[] = [], opts: ServiceOptions = {}): ServiceView {
  const k = typeof key === 'string' ? parseKey(key) : key;
  const families = [...new Set(ingressIPs.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4') as 'IPv4' | 'IPv6'))];
  return {
    namespace: k.namespace,
    name: k.name,
    uid: `uid-${k.namespace}-${k.name}`,
    type: 'LoadBalancer',
    annotations: {},
    labels: {},
    ipFamilies: families.length > 0 ? families : ['IPv4'],
    externalTrafficPolicy: 'Cluster',
    selector: { app: k.name },
    ports: [{ port: 80, protocol: 'TCP' }],
    ingressIPs,
    ...opts,
  };
}

/** The bare `ServiceKey` of a Service (what `setBalancer` and `deleteBalancer` receive). */
export function keyOf(svc: ServiceKey): ServiceKey {
  return { namespace: svc.namespace, name: svc.name };
}

function parseKey(text: string): ServiceKey {
  const [first = '', second, extra] = text.split('/');
  if (extra !== undefined || first === '' || second === '') throw new Error(`plugin-testkit: "${text}" is not "namespace/name" or "name"`);
  return second === undefined ? { namespace: 'default', name: first } : { namespace: first, name: second };
}
