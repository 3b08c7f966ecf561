// BGPPeer passwordSecret resolution: a basic-auth Secret's `password`, or a located error and no config.
import { buildConfig, formatIssue, resolvePeerPasswords, type Config, type SecretLookup } from '../../../src/core/config';
import { KubePasswordSecrets, type SecretGetter } from '../../../src/core/k8s/password-secrets';
import { silentLogger } from '../../../src/core/log';

const peerObject = (passwordSecret: Record<string, string>) => ({
  object: { metadata: { name: 'router' }, spec: { myASN: 64500, peerASN: 64501, peerAddress: '10.0.0.1', passwordSecret } },
  kind: 'BGPPeer',
  file: 'bgppeer/metallb-system/router',
});
const pool = { object: { metadata: { name: 'p' }, spec: { addresses: ['10.1.0.0/24'] } }, kind: 'IPAddressPool' };
const configWith = (ref: Record<string, string> = { name: 'bgp-auth' }): Config => {
  const r = buildConfig([pool, peerObject(ref)]);
  expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  return r.config as Config;
};
const basicAuth = (data: Record<string, string>): SecretLookup => ({ found: true, type: 'kubernetes.io/basic-auth', data });

describe('resolvePeerPasswords', () => {
  test('fills the password from a basic-auth Secret', () => {
    const r = resolvePeerPasswords(configWith(), 'metallb-system', (n) => (n === 'bgp-auth' ? basicAuth({ password: 's3cret', username: 'x' }) : { found: false, reason: 'missing' }));
    expect(r.issues).toEqual([]);
    expect(r.config?.peers[0]).toMatchObject({ name: 'router', password: 's3cret', passwordSecret: { name: 'bgp-auth' } });
  });

  test('leaves peers without passwordSecret alone and does not look anything up', () => {
    const config = buildConfig([pool, { object: { metadata: { name: 'plain' }, spec: { myASN: 1, peerASN: 2, peerAddress: '10.0.0.2' } }, kind: 'BGPPeer' }]).config as Config;
    const r = resolvePeerPasswords(config, 'metallb-system', () => {
      throw new Error('no lookup expected');
    });
    expect(r.config?.peers[0]!.password).toBeUndefined();
  });

  const cases: Array<[string, SecretLookup, RegExp]> = [
    ['missing', { found: false, reason: 'missing' }, /Secret metallb-system\/bgp-auth for peer "router" does not exist; the session stays down until it is fixed/],
    ['forbidden', { found: false, reason: 'forbidden' }, /cannot be read \(forbidden: check the speaker RBAC\)/],
    ['unreadable', { found: false, reason: 'unreadable', detail: 'HTTP 500' }, /cannot be read: HTTP 500/],
    ['wrong type', { found: true, type: 'Opaque', data: { password: 'x' } }, /has type "Opaque"; type "kubernetes\.io\/basic-auth" is expected/],
    ['no password key', basicAuth({ username: 'u' }), /has no "password" key/],
    ['line break', basicAuth({ password: 'a\nb' }), /contains a line break/],
  ];
  test.each(cases)('%s → located error, no config', (_what, lookup, message) => {
    const r = resolvePeerPasswords(configWith(), 'metallb-system', () => lookup);
    expect(r.config).toBeUndefined();
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ severity: 'error', file: 'bgppeer/metallb-system/router', path: 'BGPPeer/router.spec.passwordSecret' });
    expect(formatIssue(r.issues[0]!)).toMatch(message);
  });

  test('a Secret in another namespace is an error (the speaker reads only its own)', () => {
    const r = resolvePeerPasswords(configWith({ name: 'bgp-auth', namespace: 'other' }), 'metallb-system', () => basicAuth({ password: 'x' }));
    expect(r.issues.map(formatIssue)).toEqual([
      'bgppeer/metallb-system/router:BGPPeer/router.spec.passwordSecret: passwordSecret must be in the speaker\'s namespace "metallb-system", not "other"',
    ]);
    expect(resolvePeerPasswords(configWith({ name: 'bgp-auth', namespace: 'metallb-system' }), 'metallb-system', () => basicAuth({ password: 'x' })).config).toBeDefined();
  });
});

describe('KubePasswordSecrets', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  class FakeApi implements SecretGetter {
    secrets = new Map<string, { type?: string; data?: Record<string, string> }>();
    reads: string[] = [];
    async readNamespacedSecret(req: { name: string; namespace: string }) {
      this.reads.push(`${req.namespace}/${req.name}`);
      const s = this.secrets.get(req.name);
      if (!s) throw Object.assign(new Error('not found'), { code: 404 });
      return s;
    }
  }

  test('reads by GET in its namespace, decodes base64, and reports a missing Secret', async () => {
    const api = new FakeApi();
    const secrets = new KubePasswordSecrets(api, 'metallb-system', () => undefined, silentLogger(), 60_000);
    try {
      expect((await secrets.resolve(configWith())).issues.map((i) => i.message)).toEqual([expect.stringMatching(/does not exist/)]);
      api.secrets.set('bgp-auth', { type: 'kubernetes.io/basic-auth', data: { password: b64('s3cret') } });
      expect((await secrets.resolve(configWith())).config?.peers[0]!.password).toBe('s3cret');
      expect(api.reads).toEqual(['metallb-system/bgp-auth', 'metallb-system/bgp-auth']);
    } finally {
      secrets.stop();
    }
  });

  test('a created or rotated Secret triggers a reload', async () => {
    const api = new FakeApi();
    let reload!: () => void;
    const reloaded = new Promise<void>((r) => (reload = r));
    const secrets = new KubePasswordSecrets(api, 'metallb-system', () => reload(), silentLogger(), 20);
    try {
      await secrets.resolve(configWith());
      api.secrets.set('bgp-auth', { type: 'kubernetes.io/basic-auth', data: { password: b64('new') } });
      await reloaded;
      expect(api.reads.length).toBeGreaterThanOrEqual(2);
    } finally {
      secrets.stop();
    }
  });
});
