// The CRD corpus through the real API server (`kubectl apply`) and `metallbts validate`: same verdicts, messages naming the field.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { binPath } from '../../harness/bins';
import { useControlPlane } from '../../harness/jest-control-plane';
import { CORPUS, corpusFiles, validateFixture } from '../../support/crd-corpus';
import { parseAddressRange } from '../../../src/core/config/address-ranges';
import { formatIp } from '../../../src/core/net/ip';

const ROOT = join(__dirname, '..', '..', '..');
const CHART = join(ROOT, 'charts', 'metallbts');
const NS = 'crd-corpus';

const INVALID = corpusFiles('invalid');
const VALID = corpusFiles('valid');

/** The field an invalid fixture is refused for, from its `# field: spec...` header line. */
function fieldOf(file: string): string {
  const m = /^# field: (\S+)$/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`${file} has no "# field:" line`);
  return m[1]!;
}

function helm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(binPath('helm'), args, { timeout: 120_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const cp = useControlPlane();

beforeAll(async () => {
  // Installed the way users get them: `helm install` of the chart, whose crds subchart crds.enabled (default) turns on.
  const installed = await helm(['install', 'metallbts', CHART, '--kubeconfig', cp.get().kubeconfigPath, '-n', 'metallb-system', '--create-namespace']);
  if (installed.code !== 0) throw new Error(`helm install: ${installed.stderr}`);
  await cp.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  await cp.kubectlOk(['create', 'namespace', NS]);
}, 180_000);

describe('the crds subchart', () => {
  interface Doc {
    kind: string;
    metadata: { name: string; annotations?: Record<string, string> };
  }
  const render = async (extra: string[]): Promise<Doc[]> => {
    const r = await helm(['template', 'metallbts', CHART, '-n', 'metallb-system', ...extra]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    return (yaml.loadAll(r.stdout) as Array<Doc | null>).filter((d): d is Doc => !!d);
  };

  test('crds.enabled (default) renders the nine metallb.io CRDs and metallbts.io\'s one, each kept on uninstall, and the warning policy', async () => {
    const docs = await render([]);
    const crds = docs.filter((d) => d.kind === 'CustomResourceDefinition');
    expect(crds.map((d) => d.metadata.name).sort()).toEqual(
      [
        ...['bfdprofiles', 'bgpadvertisements', 'bgppeers', 'communities', 'configurationstates', 'ipaddresspools', 'l2advertisements', 'servicebgpstatuses', 'servicel2statuses'].map(
          (p) => `${p}.metallb.io`,
        ),
        'pluginadvertisements.metallbts.io',
      ].sort(),
    );
    for (const c of crds) expect(c.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(docs.filter((d) => d.kind.startsWith('ValidatingAdmissionPolicy')).map((d) => d.kind)).toEqual(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
  });

  test('crds.enabled=false renders neither', async () => {
    const docs = await render(['--set', 'crds.enabled=false']);
    expect(docs.filter((d) => d.kind === 'CustomResourceDefinition' || d.kind.startsWith('ValidatingAdmissionPolicy'))).toEqual([]);
  });
});

describe('metallb.io CRD corpus: the API server and validate agree', () => {
  test('the corpus has at least 30 invalid and a few valid objects', () => {
    expect(INVALID.length).toBeGreaterThanOrEqual(30);
    expect(VALID.length).toBeGreaterThanOrEqual(3);
  });

  test.each(INVALID)('invalid/%s is refused by kubectl apply and by validate, both naming the field', async (name) => {
    const file = join(CORPUS, 'invalid', name);
    const field = fieldOf(file);
    const applied = await cp.kubectl(['apply', '-n', NS, '-f', file]);
    const v = validateFixture(file);
    const validateErrors = v.lines.filter((l) => !l.includes(': warning: '));
    expect({
      apiserver: applied.code !== 0,
      apiserverNamesField: applied.stderr.includes(field),
      validate: v.code,
      validateNamesField: validateErrors.some((l) => l.includes(`.${field}: `)),
    }).toEqual({ apiserver: true, apiserverNamesField: true, validate: 1, validateNamesField: true });
  });

  test.each(VALID)('valid/%s is accepted by kubectl apply and by validate', async (name) => {
    const file = join(CORPUS, 'valid', name);
    // A namespace per file: the files reuse object names.
    const ns = `${NS}-${name.replace(/\.yaml$/, '')}`;
    await cp.kubectlOk(['create', 'namespace', ns]);
    const applied = await cp.kubectl(['apply', '-n', ns, '-f', file]);
    const v = validateFixture(file);
    expect({ apiserver: applied.code, stderr: applied.code === 0 ? '' : applied.stderr, validate: v.code }).toEqual({ apiserver: 0, stderr: '', validate: 0 });
  });
});

describe('the range rule (start <= end, a binary search in CEL) agrees with the parser', () => {
  /** Deterministic pseudo-random ranges whose ends share prefixes of every length, in both orders, both families. */
  function ranges(count: number): string[] {
    let seed = 0x2545f491n;
    const next = (bits: number): bigint => {
      let v = 0n;
      for (let i = 0; i < bits; i += 31) {
        seed = (seed * 1103515245n + 12345n) % 2147483648n;
        v = (v << 31n) | seed;
      }
      return v & ((1n << BigInt(bits)) - 1n);
    };
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const family = i % 2 === 0 ? 4 : 6;
      const bits = family === 4 ? 32 : 128;
      const a = next(bits);
      const flip = BigInt(Number(next(8)) % bits);
      // b shares a's first bits-1-flip bits; below that, anything.
      const mask = (1n << (flip + 1n)) - 1n;
      const b = (a & ~mask) | (next(bits) & mask);
      out.push(`${formatIp({ family, value: a })}-${formatIp({ family, value: i % 7 === 0 ? a : b })}`);
    }
    return out;
  }

  test('on 120 ranges, the API server refuses exactly those the parser calls backwards', async () => {
    const addresses = ranges(120);
    const backwards = addresses.map((text, i) => [text, i] as const).filter(([text]) => {
      const r = parseAddressRange(text);
      return !r.ok && r.message.includes('range start is after its end');
    }).map(([, i]) => i);
    expect(backwards.length).toBeGreaterThan(20);
    expect(backwards.length).toBeLessThan(100);
    const manifest = JSON.stringify({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'random' }, spec: { addresses } });
    const r = await cp.kubectl(['apply', '--dry-run=server', '-n', NS, '-f', '-'], { input: manifest });
    const refused = [...r.stderr.matchAll(/spec\.addresses\[(\d+)\]: Invalid value: "[^"]*": addresses: \S+: range start is after its end/g)].map((m) => Number(m[1]));
    expect([...new Set(refused)].sort((x, y) => x - y)).toEqual(backwards);
  });
});

describe('fields parsed but not implemented: warned about at admission and by validate', () => {
  test('a BFDProfile with echoMode: true is accepted with a warning; BFD, vrf and dualStackAddressFamily (implemented) are not warned about', async () => {
    const file = join(CORPUS, 'valid', 'peer-unimplemented-fields.yaml');
    // The policy is loaded asynchronously after it is created: dry runs until it answers (bounded).
    let stderr = '';
    for (let i = 0; i < 60 && !stderr.includes('spec.echoMode'); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 500));
      stderr = (await cp.kubectl(['apply', '--dry-run=server', '-n', NS, '-f', file])).stderr;
    }
    expect(stderr).toMatch(/Warning: .*spec\.echoMode: BFD echo mode is not implemented by metallbts yet/);
    expect(stderr).not.toMatch(/spec\.vrf|spec\.dualStackAddressFamily|spec\.bfdProfile/);
    const warnings = validateFixture(file).lines.filter((l) => l.includes(': warning: ') && l.includes('not implemented by metallbts yet'));
    expect(warnings.map((l) => l.replace(/^.*?:(BGPPeer|BFDProfile)/, '$1').replace(/: warning: .*/, ''))).toEqual(['BFDProfile/fast.spec.echoMode']);
  });
});

describe('BGPPeer versions (v1beta2 stored, v1beta1 served deprecated, conversion None)', () => {
  test('a v1beta1 peer is read back as v1beta2 with the same fields, and v1beta1 warns it is deprecated', async () => {
    const manifest = 'apiVersion: metallb.io/v1beta1\nkind: BGPPeer\nmetadata:\n  name: legacy-peer\nspec:\n  myASN: 64500\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n  holdTime: 30s\n';
    const r = await cp.kubectl(['apply', '-n', NS, '-f', '-'], { input: manifest });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('metallb.io/v1beta1 BGPPeer is deprecated; use metallb.io/v1beta2');
    const asV2 = await cp.kubectlJson<{ apiVersion: string; spec: Record<string, unknown> }>(['-n', NS, 'get', 'bgppeers.v1beta2.metallb.io', 'legacy-peer']);
    expect(asV2.apiVersion).toBe('metallb.io/v1beta2');
    expect(asV2.spec).toEqual({ myASN: 64500, peerASN: 64501, peerAddress: '10.0.0.1', holdTime: '30s', peerPort: 179 });
    // And back: a v1beta2 object read as v1beta1 keeps the shared fields.
    const asV1 = await cp.kubectlJson<{ apiVersion: string; spec: Record<string, unknown> }>(['-n', NS, 'get', 'bgppeers.v1beta1.metallb.io', 'legacy-peer']);
    expect([asV1.apiVersion, asV1.spec.holdTime]).toEqual(['metallb.io/v1beta1', '30s']);
  });
});

describe('printer columns', () => {
  test('kubectl get ipaddresspools shows auto-assign, avoid-buggy-ips and addresses (and the counters with -o wide)', async () => {
    const manifest = 'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: printed\nspec:\n  addresses: [192.168.7.240/28]\n  avoidBuggyIPs: true\n';
    await cp.kubectlOk(['apply', '-n', NS, '-f', '-'], { input: manifest });
    await cp.kubectlOk(['-n', NS, 'patch', 'ipaddresspools', 'printed', '--subresource=status', '--type=merge', '-p', '{"status":{"assignedIPv4":2,"assignedIPv6":0,"availableIPv4":14,"availableIPv6":0}}']);
    const [header = '', row = ''] = (await cp.kubectlOk(['-n', NS, 'get', 'ipaddresspools', 'printed'])).trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['NAME', 'AUTO ASSIGN', 'AVOID BUGGY IPS', 'ADDRESSES']);
    expect(row.split(/\s{2,}/)).toEqual(['printed', 'true', 'true', '["192.168.7.240/28"]']);
    const [wideHeader = '', wideRow = ''] = (await cp.kubectlOk(['-n', NS, 'get', 'ipaddresspools', 'printed', '-o', 'wide'])).trim().split('\n');
    expect(wideHeader.split(/\s{2,}/).slice(4)).toEqual(['ASSIGNED IPV4', 'AVAILABLE IPV4', 'ASSIGNED IPV6', 'AVAILABLE IPV6']);
    expect(wideRow.split(/\s{2,}/).slice(4)).toEqual(['2', '14', '0', '0']);
  });

  test('kubectl get servicel2statuses shows the node and the service; node is immutable', async () => {
    await cp.kubectlOk(['apply', '-n', NS, '-f', '-'], { input: 'apiVersion: metallb.io/v1beta1\nkind: ServiceL2Status\nmetadata:\n  name: l2-status\nspec: {}\n' });
    const status = { status: { node: 'node-a', serviceName: 'nginx', serviceNamespace: 'web', interfaces: [{ name: 'eth0' }] } };
    await cp.kubectlOk(['-n', NS, 'patch', 'servicel2statuses', 'l2-status', '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]);
    const [header = '', row = ''] = (await cp.kubectlOk(['-n', NS, 'get', 'servicel2statuses'])).trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['NAME', 'ALLOCATED NODE', 'SERVICE NAME', 'SERVICE NAMESPACE']);
    expect(row.split(/\s{2,}/)).toEqual(['l2-status', 'node-a', 'nginx', 'web']);
    const moved = await cp.kubectl(['-n', NS, 'patch', 'servicel2statuses', 'l2-status', '--subresource=status', '--type=merge', '-p', '{"status":{"node":"node-b"}}']);
    expect(moved.code).not.toBe(0);
    expect(moved.stderr).toContain('status.node');
  });
});

describe('PluginAdvertisement (metallbts.io/v1alpha1)', () => {
  test('kubectl get pluginadvertisements shows the protocol and the pool selection (node selectors and options with -o wide)', async () => {
    const manifest = 'apiVersion: metallbts.io/v1alpha1\nkind: PluginAdvertisement\nmetadata:\n  name: printed\nspec:\n  protocol: static-route\n  ipAddressPools: [routed]\n  options: {table: 100}\n';
    await cp.kubectlOk(['apply', '-n', NS, '-f', '-'], { input: manifest });
    const [header = '', row = ''] = (await cp.kubectlOk(['-n', NS, 'get', 'pluginadvertisements', 'printed'])).trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['NAME', 'PROTOCOL', 'IPADDRESSPOOLS', 'IPADDRESSPOOL SELECTORS']);
    expect(row.split(/\s{2,}/)).toEqual(['printed', 'static-route', '["routed"]']);
    const [wideHeader = '', wideRow = ''] = (await cp.kubectlOk(['-n', NS, 'get', 'pluginadvertisements', 'printed', '-o', 'wide'])).trim().split('\n');
    expect(wideHeader.split(/\s{2,}/).slice(-2)).toEqual(['NODE SELECTORS', 'OPTIONS']);
    expect(wideRow).toContain('{"table":100}');
  });

  test('a built-in protocol is refused at admission by the CEL rule, with a message naming the kind to use', async () => {
    const manifest = 'apiVersion: metallbts.io/v1alpha1\nkind: PluginAdvertisement\nmetadata:\n  name: bgp-here\nspec:\n  protocol: bgp\n';
    const r = await cp.kubectl(['apply', '-n', NS, '-f', '-'], { input: manifest });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.protocol: Invalid value: "bgp": protocol: bgp is built in: select its pools with a BGPAdvertisement (metallb.io/v1beta1)');
  });
});

describe('helm upgrade and uninstall keep the CRDs (helm.sh/resource-policy: keep) and the objects in them', () => {
  const kept = async (): Promise<{ crds: number; pools: string[] }> => {
    const crds = await cp.kubectlJson<{ items: unknown[] }>(['get', 'crd', '-l', 'app.kubernetes.io/part-of=metallbts']);
    const pools = await cp.kubectlJson<{ items: Array<{ metadata: { name: string } }> }>(['-n', NS, 'get', 'ipaddresspools']);
    return { crds: crds.items.length, pools: pools.items.map((p) => p.metadata.name) };
  };

  test('helm upgrade --set crds.enabled=false', async () => {
    const r = await helm(['upgrade', 'metallbts', CHART, '--set', 'crds.enabled=false', '--kubeconfig', cp.get().kubeconfigPath, '-n', 'metallb-system']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(await kept()).toEqual({ crds: 10, pools: ['printed'] });
  });

  test('helm upgrade --set crds.enabled=true takes them back', async () => {
    const r = await helm(['upgrade', 'metallbts', CHART, '--kubeconfig', cp.get().kubeconfigPath, '-n', 'metallb-system']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const managed = await cp.kubectlJson<{ metadata: { labels: Record<string, string> } }>(['get', 'crd', 'ipaddresspools.metallb.io']);
    expect(managed.metadata.labels['app.kubernetes.io/managed-by']).toBe('Helm');
  });

  test('helm uninstall', async () => {
    const r = await helm(['uninstall', 'metallbts', '--kubeconfig', cp.get().kubeconfigPath, '-n', 'metallb-system']);
    expect(r.code).toBe(0);
    expect(await kept()).toEqual({ crds: 10, pools: ['printed'] });
  });
});

describe('CRDs another release or kubectl created (e.g. MetalLB\'s)', () => {
  test('helm install refuses to take them over until they are handed over as the README says', async () => {
    const args = ['install', 'other', CHART, '--kubeconfig', cp.get().kubeconfigPath, '-n', 'other-system', '--create-namespace'];
    const refused = await helm(args);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('invalid ownership metadata');
    // The README's hand-over: the CRDs carry the new release's name and namespace.
    for (const crd of (await cp.kubectlOk(['get', 'crd', '-o', 'name'])).split('\n').filter((n) => /\.metallb(ts)?\.io$/.test(n))) {
      await cp.kubectlOk(['label', crd, 'app.kubernetes.io/managed-by=Helm', '--overwrite']);
      await cp.kubectlOk(['annotate', crd, 'meta.helm.sh/release-name=other', 'meta.helm.sh/release-namespace=other-system', '--overwrite']);
    }
    const installed = await helm(args);
    expect([installed.code, installed.stderr]).toEqual([0, '']);
  });
});
