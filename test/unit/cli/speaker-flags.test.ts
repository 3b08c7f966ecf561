import { splitHostPort } from '../../../src/cli/commands/speaker';

describe('speaker --memberlist-bind', () => {
  test('IPv4 and bracketed IPv6', () => {
    expect(splitHostPort('192.168.1.10:7946')).toEqual({ bindAddr: '192.168.1.10', bindPort: 7946 });
    expect(splitHostPort('[fd00::10]:7946')).toEqual({ bindAddr: 'fd00::10', bindPort: 7946 });
  });
  test('bracketed IPv4, as the chart passes the node IP of either family ([$(METALLB_HOST)]:7946)', () => {
    expect(splitHostPort('[192.168.1.10]:7946')).toEqual({ bindAddr: '192.168.1.10', bindPort: 7946 });
  });
  test('rejects a value without a port, naming the flag', () => {
    expect(() => splitHostPort('192.168.1.10')).toThrow(/--memberlist-bind must be ADDR:PORT, got "192.168.1.10"/);
    expect(() => splitHostPort('fd00::10:7946')).toThrow(/--memberlist-bind/);
  });
});
