// Reads peers, BFD profiles and BGP advertisement fields, shared by the legacy (kebab-case) and CRD (camelCase) forms.
import { isIpv4Mapped, parseIp } from '../net/ip';
import type { BfdProfile, SourceLocation } from './model';
import type { DraftBgpAdvertisement, DraftPeer, PoolSelection } from './draft';
import { FieldReader } from './field-reader';
import { parseGoDuration } from './durations';
import { quote } from './issues';
import { readSelectorList, type KeyStyle } from './selectors';
import { warnUnimplemented } from './unimplemented-fields';

const LEGACY_KEYS: Record<string, string> = {
  myASN: 'my-asn',
  peerASN: 'peer-asn',
  peerAddress: 'peer-address',
  peerPort: 'peer-port',
  sourceAddress: 'source-address',
  holdTime: 'hold-time',
  keepaliveTime: 'keepalive-time',
  routerID: 'router-id',
  password: 'password',
  bfdProfile: 'bfd-profile',
  ebgpMultiHop: 'ebgp-multihop',
  nodeSelectors: 'node-selectors',
  receiveInterval: 'receive-interval',
  transmitInterval: 'transmit-interval',
  detectMultiplier: 'detect-multiplier',
  echoInterval: 'echo-interval',
  echoMode: 'echo-mode',
  passiveMode: 'passive-mode',
  minimumTtl: 'minimum-ttl',
  aggregationLength: 'aggregation-length',
  aggregationLengthV6: 'aggregation-length-v6',
  localPref: 'localpref',
  communities: 'communities',
};

/** The key a field is spelled with in the given form. */
export function fieldKey(style: KeyStyle, camel: string): string {
  return style === 'legacy' ? (LEGACY_KEYS[camel] ?? camel) : camel;
}

const MAX_ASN = 4294967295;
export const DEFAULT_HOLD_TIME = 90;

/** An ASN: integer 1..4294967295. */
function readAsn(r: FieldReader, key: string): number | undefined {
  const v = r.raw(key);
  if (v === undefined) {
    r.sink.error(r.pathOf(key), `${key} is required`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_ASN) {
    r.sink.error(r.pathOf(key), `invalid ASN ${quote(v)}: must be an integer from 1 to ${MAX_ASN}`);
    return undefined;
  }
  return v;
}

function readAddress(r: FieldReader, key: string, opts: { required?: boolean; ipv4Only?: boolean } = {}): string | undefined {
  const text = r.string(key, { required: opts.required });
  if (text === undefined) return undefined;
  const ip = parseIp(text);
  if (!ip || isIpv4Mapped(ip) || (opts.ipv4Only && ip.family !== 4)) {
    r.sink.error(r.pathOf(key), `${quote(text)} is not a valid ${opts.ipv4Only ? 'IPv4' : 'IP'} address`);
    return undefined;
  }
  return text.trim();
}

/** A duration in (possibly fractional) seconds; YAML numbers are rejected like Go does (they lack a unit). */
function readDuration(r: FieldReader, key: string): number | undefined {
  const v = r.raw(key);
  if (v === undefined) return undefined;
  const seconds = typeof v === 'string' ? parseGoDuration(v) : undefined;
  if (seconds === undefined) {
    r.sink.error(r.pathOf(key), `${quote(v)} is not a duration (write e.g. "90s" or "1m30s")`);
    return undefined;
  }
  return seconds;
}

/** TCP MD5 keys are at most 80 bytes (Linux TCP_MD5SIG_MAXKEYLEN). */
const MAX_PASSWORD_LENGTH = 80;

/** The peer version whose fields a CRD object may use; v1beta1 lacks v1beta2's additions. */
export type PeerVersion = 'v1beta1' | 'v1beta2';

/** Reads a peer; undefined when a required field is unusable (the problems are reported). */
export function readPeer(r: FieldReader, style: KeyStyle, name: string, source: SourceLocation, version: PeerVersion = 'v1beta2'): DraftPeer | undefined {
  const k = (camel: string): string => fieldKey(style, camel);
  const myASN = readAsn(r, k('myASN'));
  const peerASN = readAsn(r, k('peerASN'));
  const peerAddress = readAddress(r, k('peerAddress'), { required: true });
  const peerPort = r.integer(k('peerPort'), 1, 65535, { what: 'port' }) ?? 179;
  const sourceAddress = readAddress(r, k('sourceAddress'));
  const routerID = readAddress(r, k('routerID'), { ipv4Only: true });
  const holdTime = readDuration(r, k('holdTime'));
  const keepaliveTime = readDuration(r, k('keepaliveTime'));
  const password = r.string(k('password'));
  if (password !== undefined && Buffer.byteLength(password) > MAX_PASSWORD_LENGTH) {
    r.sink.error(r.pathOf(k('password')), `password is ${Buffer.byteLength(password)} bytes; TCP MD5 allows at most ${MAX_PASSWORD_LENGTH}`);
  }
  const bfdProfile = r.string(k('bfdProfile'));
  const ebgpMultiHop = r.boolean(k('ebgpMultiHop')) ?? false;
  const nodeSelectors = readSelectorList(r, k('nodeSelectors'), style);
  let connectTime: number | undefined;
  let passwordSecret: DraftPeer['passwordSecret'];
  let enableGracefulRestart = false;
  let vrf: string | undefined;
  let dualStackAddressFamily = false;
  // v1beta1 objects do not have these fields: left unread, they are reported as unknown (the API server refuses them too).
  if (style === 'crd' && version === 'v1beta2') {
    connectTime = readDuration(r, 'connectTime');
    if (connectTime !== undefined && (connectTime < 1 || connectTime > 65535 || !Number.isInteger(connectTime))) {
      r.sink.error(r.pathOf('connectTime'), `connect time ${quote(r.raw('connectTime'))} must be a whole number of seconds from 1s to 65535s`);
      connectTime = undefined;
    }
    const secret = r.object('passwordSecret');
    if (secret) {
      const secretName = secret.string('name', { required: true });
      const namespace = secret.string('namespace');
      secret.finish();
      if (secretName === '') secret.sink.error(secret.pathOf('name'), 'name must not be empty');
      else if (secretName !== undefined) passwordSecret = namespace === undefined ? { name: secretName } : { name: secretName, namespace };
    }
    enableGracefulRestart = r.boolean('enableGracefulRestart') ?? false;
    vrf = r.string('vrf');
    dualStackAddressFamily = r.boolean('dualStackAddressFamily') ?? false;
    if (r.boolean('disableMP') === true) r.sink.error(r.pathOf('disableMP'), 'disableMP: true is not supported by metallbts (deprecated in MetalLB too)');
    if (r.has('dynamicASN')) r.sink.error(r.pathOf('dynamicASN'), 'dynamicASN is not supported by metallbts; set peerASN');
    if (r.has('interface')) r.sink.error(r.pathOf('interface'), 'interface (BGP unnumbered) is not supported by metallbts; set peerAddress');
  }
  warnUnimplemented('BGPPeer', r, k);
  checkTimers(r, k, holdTime, keepaliveTime);
  if (password !== undefined && passwordSecret !== undefined) {
    r.sink.error(r.pathOf('passwordSecret'), 'set either password or passwordSecret, not both');
  }
  if (ebgpMultiHop && myASN !== undefined && myASN === peerASN) {
    r.sink.error(r.pathOf(k('ebgpMultiHop')), 'ebgp-multihop applies only to eBGP peers (my ASN equals the peer ASN)');
  }
  if (myASN === undefined || peerASN === undefined || peerAddress === undefined) return undefined;
  const peer: DraftPeer = {
    name,
    myASN,
    peerASN,
    peerAddress,
    peerPort,
    holdTime: holdTime === undefined ? DEFAULT_HOLD_TIME : Math.floor(holdTime),
    ebgpMultiHop,
    enableGracefulRestart,
    dualStackAddressFamily,
    nodeSelectors,
    source,
  };
  if (sourceAddress !== undefined) peer.sourceAddress = sourceAddress;
  if (keepaliveTime !== undefined) peer.keepaliveTime = Math.floor(keepaliveTime);
  if (connectTime !== undefined) peer.connectTime = Math.floor(connectTime);
  if (routerID !== undefined) peer.routerID = routerID;
  if (password !== undefined) peer.password = password;
  if (passwordSecret !== undefined) peer.passwordSecret = passwordSecret;
  if (vrf !== undefined) peer.vrf = vrf;
  if (bfdProfile !== undefined) {
    peer.bfdProfile = bfdProfile;
    peer.bfdProfilePath = r.pathOf(k('bfdProfile'));
  }
  return peer;
}

function checkTimers(r: FieldReader, k: (c: string) => string, hold: number | undefined, keepalive: number | undefined): void {
  if (hold !== undefined && hold !== 0 && hold < 3) {
    r.sink.error(r.pathOf(k('holdTime')), `hold time ${hold}s is invalid: it must be 0 or at least 3s`);
  }
  const effectiveHold = hold ?? DEFAULT_HOLD_TIME;
  if (keepalive !== undefined && effectiveHold !== 0 && keepalive > effectiveHold) {
    r.sink.error(r.pathOf(k('keepaliveTime')), `keepalive time ${keepalive}s is longer than the hold time ${effectiveHold}s`);
  }
}

/** Reads a BFD profile's settings (name read by the caller). */
export function readBfdProfile(r: FieldReader, style: KeyStyle, name: string, source: SourceLocation): BfdProfile {
  const k = (camel: string): string => fieldKey(style, camel);
  const profile: BfdProfile = { name, source };
  warnUnimplemented('BFDProfile', r, k, source.path);
  const ms = (camel: 'receiveInterval' | 'transmitInterval' | 'echoInterval'): void => {
    const v = r.integer(k(camel), 10, 60000, { what: `${k(camel)} (ms)` });
    if (v !== undefined) profile[camel] = v;
  };
  ms('receiveInterval');
  ms('transmitInterval');
  ms('echoInterval');
  const detect = r.integer(k('detectMultiplier'), 2, 255);
  if (detect !== undefined) profile.detectMultiplier = detect;
  const ttl = r.integer(k('minimumTtl'), 1, 254);
  if (ttl !== undefined) profile.minimumTtl = ttl;
  const echo = r.boolean(k('echoMode'));
  if (echo !== undefined) profile.echoMode = echo;
  const passive = r.boolean(k('passiveMode'));
  if (passive !== undefined) profile.passiveMode = passive;
  return profile;
}

/** Reads the BGP advertisement fields common to both forms; pool/peer selection is filled by the caller. */
export function readBgpAdvertisementFields(
  r: FieldReader,
  style: KeyStyle,
  name: string,
  source: SourceLocation,
  poolSelection: PoolSelection,
): DraftBgpAdvertisement {
  const k = (camel: string): string => fieldKey(style, camel);
  const aggregationLength = r.integer(k('aggregationLength'), 0, 32, { what: 'aggregation length' }) ?? 32;
  const aggregationLengthV6 = r.integer(k('aggregationLengthV6'), 0, 128, { what: 'IPv6 aggregation length' }) ?? 128;
  const localPref = r.integer(k('localPref'), 0, 4294967295, { what: 'local preference' });
  const communityRefs = (r.stringList(k('communities')) ?? []).map((c) => ({ text: c.value, path: c.path }));
  reportDuplicateCommunities(r, communityRefs);
  const ad: DraftBgpAdvertisement = {
    name,
    aggregationLength,
    aggregationLengthV6,
    communityRefs,
    peerRefs: [],
    poolSelection,
    nodeSelectors: [],
    serviceSelectors: [],
    source,
    legacy: style === 'legacy',
    paths: {
      aggregationLength: r.pathOf(k('aggregationLength')),
      aggregationLengthV6: r.pathOf(k('aggregationLengthV6')),
      localPref: r.pathOf(k('localPref')),
    },
  };
  if (localPref !== undefined) ad.localPref = localPref;
  return ad;
}

/** The same community written twice in one advertisement is an error, as in MetalLB (compared as written). */
function reportDuplicateCommunities(r: FieldReader, refs: Array<{ text: string; path: string }>): void {
  const first = new Map<string, string>();
  for (const ref of refs) {
    const earlier = first.get(ref.text);
    if (earlier === undefined) first.set(ref.text, ref.path);
    else r.sink.error(ref.path, `duplicate definition of community ${quote(ref.text)} (first at ${earlier})`);
  }
}
