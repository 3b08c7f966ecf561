// stopPeer: BFD AdminDown before withdraw + Cease; with graceful restart only after the TCP close has completed.
import { stopPeer, type StoppableSession } from '../../../plugins/bgp/peer-shutdown';

/** A session whose stop() resolves only when `close()` is called, recording the order of events in `log`. */
function fakes(log: string[]) {
  let close: () => void = () => undefined;
  const session: StoppableSession = {
    stop: (opts) => {
      log.push(`bgp stop ${JSON.stringify(opts)}`);
      return new Promise<void>((resolve) => {
        close = () => {
          log.push('bgp closed');
          resolve();
        };
      });
    },
  };
  const bfd = { stop: () => void log.push('bfd stop') };
  return { session, bfd, close: () => close() };
}

test('without graceful restart: BFD AdminDown first, then withdraw + Cease', async () => {
  const log: string[] = [];
  const f = fakes(log);
  const done = stopPeer(f.session, f.bfd, false);
  f.close();
  await done;
  expect(log).toEqual(['bfd stop', 'bgp stop {"withdraw":true}', 'bgp closed']);
});

test('with graceful restart: BFD stays up until the router has closed its side of TCP (no BFD Down while it is Established)', async () => {
  const log: string[] = [];
  const f = fakes(log);
  const done = stopPeer(f.session, f.bfd, true);
  await new Promise((r) => setImmediate(r));
  expect(log).toEqual(['bgp stop {"graceful":true}']);
  f.close();
  await done;
  expect(log).toEqual(['bgp stop {"graceful":true}', 'bgp closed', 'bfd stop']);
});

test('a peer without BFD just stops its session', async () => {
  const log: string[] = [];
  const f = fakes(log);
  const done = stopPeer(f.session, undefined, true);
  f.close();
  await done;
  expect(log).toEqual(['bgp stop {"graceful":true}', 'bgp closed']);
});
