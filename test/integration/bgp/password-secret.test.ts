// BGPPeer passwordSecret end to end: a real apiserver, the speaker CLI in a namespace, FRR requiring TCP-MD5.
import { spawn, type ChildProcess } from 'node:child_process';
import * as yaml from 'js-yaml';
import { useControlPlane } from '../../harness/jest-control-plane';
import type { RunningController } from '../../../src/core/controller/run-controller';
import { loadSockopt } from '../../../plugins/bgp/native';
import { eventually, NAMESPACE } from '../../support/metallb-system';
import { startControllerWith } from '../../support/test-controller';
import { relayApiserverInto, type ApiRelay } from './api-relay';
import { BgpLab, CLI, labAvailable } from './lab';
import { frrBgpd } from './frr-config';
import { bgpPeerObject, webServiceIp, webServiceObjects } from './web-service';
import { setUpOrCleanUp, tearDown } from './lab-lifecycle';

const enabled = labAvailable('frr') && loadSockopt() !== undefined;
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

const FRR = frrBgpd(` neighbor 192.168.1.10 remote-as 64501
 neighbor 192.168.1.10 password s3cret-key
`);

const OBJECTS = webServiceObjects(
  '198.51.100.16/28',
  bgpPeerObject('router', 'holdTime: 9s, connectTime: 3s, passwordSecret: { name: bgp-auth }'),
);

d('BGPPeer passwordSecret against FRR with TCP-MD5', () => {
  jest.setTimeout(120_000);
  const cp = useControlPlane();
  const lab = new BgpLab('pwsec');
  let relay: ApiRelay | undefined;
  let controller: RunningController | undefined;
  let speaker: ChildProcess | undefined;
  const logs: string[] = [];
  const neighborState = (): string => {
    const j = lab.vtyshJson<Record<string, { bgpState?: string }>>('show bgp neighbors 192.168.1.10 json');
    return j['192.168.1.10']?.bgpState ?? 'unknown';
  };
  const routes = () => lab.vtyshJson<{ routes?: Record<string, unknown> }>('show bgp ipv4 unicast json').routes ?? {};

  beforeAll(() =>
    setUpOrCleanUp(
      async () => {
        // The chart grants the speaker this Secret by name (speaker.bgpPasswordSecrets: [bgp-auth]).
        const { kubeconfigs, controller: started } = await startControllerWith(cp, OBJECTS, { speakerSecrets: ['bgp-auth'] });
        controller = started;
        lab.up(1);
        lab.startFrr(FRR);
        relay = await relayApiserverInto(lab.speakers[0]!.ns, cp.get().server, lab.dir);
        speaker = spawn(
          'ip',
          ['netns', 'exec', lab.speakers[0]!.ns, process.execPath, CLI, 'speaker', '--node-name', 'node-a', '--kubeconfig', kubeconfigs.speaker, '--namespace', NAMESPACE, '--metrics-host', '127.0.0.1'],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        const collect = (b: Buffer) => logs.push(...b.toString().split('\n').filter(Boolean));
        speaker.stdout!.on('data', collect);
        speaker.stderr!.on('data', collect);
      },
      async () => {
        await relay?.stop();
        lab.down();
      },
    ), 150_000);

  afterAll(() => tearDown([() => speaker?.exitCode === null && speaker.kill('SIGKILL'), () => relay?.stop(), () => controller?.stop()], () => lab.down()), 60_000);

  test('without the Secret: a located config error, and no session to the MD5 router', async () => {
    const line = await eventually('configStale naming the Secret', async () => logs.find((l) => l.includes('configStale') && l.includes('bgp-auth')), 60_000);
    expect(line).toContain('BGPPeer/router.spec.passwordSecret');
    expect(line).toContain('Secret metallb-system/bgp-auth for peer \\"router\\" does not exist');
    expect(neighborState()).not.toBe('Established');
  });

  test('a Secret of the wrong type is refused with its own message', async () => {
    await cp.kubectlOk(['-n', NAMESPACE, 'create', 'secret', 'generic', 'bgp-auth', '--from-literal=password=s3cret-key']);
    const line = await eventually('type mismatch error', async () => logs.find((l) => l.includes('configStale') && l.includes('kubernetes.io/basic-auth')), 60_000);
    expect(line).toContain('has type \\"Opaque\\"');
    expect(neighborState()).not.toBe('Established');
  });

  test('the basic-auth Secret: the keyed session comes up and the Service prefix reaches FRR', async () => {
    await cp.kubectlOk(['-n', NAMESPACE, 'delete', 'secret', 'bgp-auth']);
    await cp.kubectlOk(['apply', '-f', '-'], {
      input: yaml.dump({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/basic-auth', metadata: { name: 'bgp-auth', namespace: NAMESPACE }, stringData: { password: 's3cret-key' } }),
    });
    const ip = await webServiceIp(cp);
    await eventually(`${ip}/32 in FRR`, async () => (routes()[`${ip}/32`] ? true : undefined), 60_000);
    expect(neighborState()).toBe('Established');
  });
});
