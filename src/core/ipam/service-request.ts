// What a Service asks of the allocator, read once from its spec and MetalLB annotations so the allocator never looks at raw Service fields.
import { ANNOTATION, ANNOTATION_PREFIXES, serviceKeyString, type ServiceView } from '../service';
import { formatIp, parseIp, type Ip, type IpFamily } from '../net/ip';
import { fail, type Result } from './allocation-error';

/** Which address families a Service needs. `primary` orders the families of a dual-stack Service. */
export type FamilyNeed =
  | { kind: 'single'; family: IpFamily }
  | { kind: 'dual-required'; primary: IpFamily }
  | { kind: 'dual-preferred'; primary: IpFamily };

export interface AllocationRequest {
  /** `namespace/name`. */
  key: string;
  namespace: string;
  labels: Record<string, string>;
  need: FamilyNeed;
  /** From `metallb.io/loadBalancerIPs` (or the old prefix) or `spec.loadBalancerIP`. */
  requestedIPs?: Ip[];
  /** From the `address-pool` annotation. */
  requestedPool?: string;
  /** `allow-shared-ip` annotation; "" = not shareable. */
  sharingKey: string;
  /** ETP Local: the selector as `k=v,...`; Cluster: "". Sharing Services must have equal backend keys. */
  backendKey: string;
  /** `PROTOCOL/port`, e.g. `TCP/80`; sharing Services must not overlap. */
  ports: string[];
}

export function familyName(f: IpFamily): 'IPv4' | 'IPv6' {
  return f === 4 ? 'IPv4' : 'IPv6';
}

/** The selector rendered like Kubernetes `labels.Set.String()`: sorted `k=v` joined by commas. */
export function backendKey(svc: Pick<ServiceView, 'externalTrafficPolicy' | 'selector'>): string {
  if (svc.externalTrafficPolicy !== 'Local') return '';
  return Object.keys(svc.selector ?? {})
    .sort()
    .map((k) => `${k}=${svc.selector[k]}`)
    .join(',');
}

export function portKeys(svc: Pick<ServiceView, 'ports'>): string[] {
  return (svc.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`);
}

/** Whether this controller manages the Service: type LoadBalancer, and the loadBalancerClass filter. */
export function managedBy(svc: Pick<ServiceView, 'type' | 'loadBalancerClass'>, lbClass?: string): { managed: true } | { managed: false; reason: string } {
  if (svc.type !== 'LoadBalancer') return { managed: false, reason: `type ${svc.type || 'ClusterIP'}, not LoadBalancer` };
  const cls = svc.loadBalancerClass || undefined;
  if (lbClass === undefined || lbClass === '') {
    if (cls !== undefined) return { managed: false, reason: `loadBalancerClass "${cls}" is not handled (no --lb-class set)` };
  } else if (cls !== lbClass) {
    return { managed: false, reason: cls === undefined ? `no loadBalancerClass (this controller handles "${lbClass}")` : `loadBalancerClass "${cls}" is not "${lbClass}"` };
  }
  return { managed: true };
}

/** Both spellings of each annotation, built once: string-concatenated keys on every lookup showed up in profiles. */
const KEYS = {
  loadBalancerIPs: ANNOTATION_PREFIXES.map((p) => p + ANNOTATION.loadBalancerIPs),
  addressPool: ANNOTATION_PREFIXES.map((p) => p + ANNOTATION.addressPool),
  allowSharedIP: ANNOTATION_PREFIXES.map((p) => p + ANNOTATION.allowSharedIP),
};

/** The rule of service.ts's metallbAnnotation (the stable prefix wins), with precomputed keys. */
function annotationOf(svc: ServiceView, keys: readonly string[]): string | undefined {
  const a = svc.annotations;
  if (!a) return undefined;
  for (const k of keys) {
    const v = a[k];
    if (v !== undefined) return v;
  }
  return undefined;
}

function familiesOf(svc: ServiceView): IpFamily[] {
  return (svc.ipFamilies ?? []).map((f) => (f === 'IPv6' ? 6 : 4));
}

/** Family need from spec.ipFamilies/ipFamilyPolicy; `undefined` when ipFamilies is unset (then requested IPs, or IPv4, decide). */
function needFromSpec(svc: ServiceView): FamilyNeed | undefined {
  const fams = familiesOf(svc);
  const policy = svc.ipFamilyPolicy ?? 'SingleStack';
  const [primary] = fams;
  if (primary === undefined) {
    if (policy === 'RequireDualStack') return { kind: 'dual-required', primary: 4 };
    if (policy === 'PreferDualStack') return { kind: 'dual-preferred', primary: 4 };
    return undefined;
  }
  if (policy === 'RequireDualStack') return { kind: 'dual-required', primary };
  if (policy === 'PreferDualStack' && fams.length > 1) return { kind: 'dual-preferred', primary };
  if (fams.length > 1 && policy !== 'PreferDualStack') return { kind: 'dual-required', primary };
  return { kind: 'single', family: primary };
}

function describeNeed(need: FamilyNeed): string {
  if (need.kind === 'single') return familyName(need.family);
  return need.kind === 'dual-required' ? 'RequireDualStack' : 'PreferDualStack';
}

function parseRequestedIPs(svc: ServiceView): Result<Ip[] | undefined> {
  const annotation = annotationOf(svc, KEYS.loadBalancerIPs) ?? '';
  const spec = svc.loadBalancerIP ?? '';
  if (annotation !== '' && spec !== '') {
    return fail('InvalidRequest', `service can not have both metallb.io/${ANNOTATION.loadBalancerIPs} and spec.loadBalancerIP`);
  }
  if (annotation === '' && spec === '') return { ok: true, value: undefined };
  const texts = annotation !== '' ? annotation.split(',') : [spec];
  const where = annotation !== '' ? `metallb.io/${ANNOTATION.loadBalancerIPs}` : 'spec.loadBalancerIP';
  const ips: Ip[] = [];
  for (const t of texts) {
    const ip = parseIp(t.trim());
    if (!ip) return fail('InvalidRequest', `invalid ${where}: "${annotation !== '' ? annotation : spec}"`);
    ips.push(ip);
  }
  if (ips.length > 2) return fail('InvalidRequest', `more than two addresses requested in ${where}`);
  if (ips.length === 2 && ips[0]?.family === ips[1]?.family) {
    return fail('InvalidRequest', `requested IPs ${ips.map(formatIp).join(',')} have the same family`);
  }
  return { ok: true, value: ips };
}

/** Reads the allocation request of a Service; a contradictory request is an `InvalidRequest` error. */
export function requestFor(svc: ServiceView): Result<AllocationRequest> {
  const requested = parseRequestedIPs(svc);
  if (!requested.ok) return requested;
  const ips = requested.value;
  let need = needFromSpec(svc);
  if (ips) {
    const text = ips.map(formatIp).join(',');
    if (!need) {
      // parseRequestedIPs yields at least one address; 4 is requestFor's usual default family.
      const family = ips[0]?.family ?? 4;
      need = ips.length === 2 ? { kind: 'dual-required', primary: family } : { kind: 'single', family };
    }
    const ok =
      need.kind === 'single'
        ? ips.length === 1 && ips[0]?.family === need.family
        : need.kind === 'dual-required'
          ? ips.length === 2
          : true;
    if (!ok) return fail('InvalidRequest', `requested loadBalancer IP(s) "${text}" do not match the Service's IP families (${describeNeed(need)})`);
  }
  const pool = annotationOf(svc, KEYS.addressPool);
  return {
    ok: true,
    value: {
      key: serviceKeyString(svc),
      namespace: svc.namespace,
      labels: svc.labels ?? {},
      need: need ?? { kind: 'single', family: 4 },
      requestedIPs: ips,
      requestedPool: pool === undefined || pool === '' ? undefined : pool,
      sharingKey: annotationOf(svc, KEYS.allowSharedIP) ?? '',
      backendKey: backendKey(svc),
      ports: portKeys(svc),
    },
  };
}
