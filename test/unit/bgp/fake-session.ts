// A recording stand-in for a BGP session, for BgpAnnouncer tests: routes held, calls, resets and retries.
import type { SessionLike } from '../../../plugins/bgp/announcer';
import type { RouteAttributes } from '../../../plugins/bgp/adj-rib-out';
import type { BgpSessionOptions } from '../../../plugins/bgp/session-options';

export class FakeSession implements SessionLike {
  state: SessionLike['state'] = 'Established';
  lastError?: string;
  routes = new Map<string, RouteAttributes>();
  /** `+prefix` per announce, `-prefix` per withdraw, in order. */
  calls: string[] = [];
  resets: string[] = [];
  retries = 0;
  stopped = false;
  /** Options of the last `stop` call. */
  stopOpts?: { withdraw?: boolean; graceful?: boolean };
  endOfRibReadyCalls = 0;
  constructor(readonly opts: BgpSessionOptions) {}
  get announcedCount() {
    return this.routes.size;
  }
  start() {}
  announce(p: string, a: RouteAttributes = {}) {
    this.routes.set(p, a);
    this.calls.push(`+${p}`);
    return p;
  }
  withdraw(p: string) {
    this.calls.push(`-${p}`);
    return this.routes.delete(p);
  }
  async stop(opts?: { withdraw?: boolean; graceful?: boolean }) {
    this.stopped = true;
    this.stopOpts = opts;
  }
  endOfRibReady() {
    this.endOfRibReadyCalls++;
  }
  reset(reason: string) {
    this.resets.push(reason);
  }
  retryNow() {
    this.retries++;
  }
}
