// Gratuitous rounds: always one at once when an IP is (re)taken, even within 5 s of the last takeover, where MetalLB
// skips its immediate round (clients then move up to 1.1 s later); then MetalLB's 1.1 s rounds until 5 s.
import { GratuitousScheduler } from '../../../plugins/layer2/gratuitous';

describe('GratuitousScheduler', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends the first round at once, then at 1.1, 2.2, 3.3 and 4.4 s, then stops', () => {
    const rounds: number[] = [];
    const s = new GratuitousScheduler(() => rounds.push(Date.now()));
    const t0 = Date.now();
    s.schedule('192.168.1.240');
    expect(rounds).toEqual([t0]);
    jest.advanceTimersByTime(6000);
    expect(rounds.map((t) => t - t0)).toEqual([0, 1100, 2200, 3300, 4400]);
    expect(s.pending()).toEqual([]);
  });

  it('an IP taken back within 5 s of its last takeover gets a round at once again (MetalLB skips it)', () => {
    const rounds: Array<[string, number]> = [];
    const s = new GratuitousScheduler((ip) => rounds.push([ip, Date.now()]));
    const t0 = Date.now();
    s.schedule('192.168.1.240');
    jest.advanceTimersByTime(1500); // lost the IP 1.5 s after taking it
    s.cancel('192.168.1.240');
    jest.advanceTimersByTime(1000); // and take it back 2.5 s after the first takeover
    s.schedule('192.168.1.240');
    expect(rounds.map(([, t]) => t - t0)).toEqual([0, 1100, 2500]);
    jest.advanceTimersByTime(6000);
    expect(rounds.map(([, t]) => t - t0)).toEqual([0, 1100, 2500, 3600, 4700, 5800, 6900]);
  });
});
