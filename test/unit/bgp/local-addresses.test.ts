// The interfaces of a session's VRF (device, its slaves, slaves of its bridges) decide router ID and next hops.
import type { NetworkInterfaceInfo } from 'node:os';
import { siblingAddress, vrfInterfaces } from '../../../plugins/bgp/local-addresses';
import { pickRouterId } from '../../../plugins/bgp/router-id';

const v4 = (address: string) => ({ address, family: 'IPv4', internal: false }) as NetworkInterfaceInfo;
const v6 = (address: string) => ({ address, family: 'IPv6', internal: false }) as NetworkInterfaceInfo;

// The same 10.99.0.2 on two devices: only the VRF tells which one the session uses.
const table: NodeJS.Dict<NetworkInterfaceInfo[]> = {
  eth0: [v4('192.168.1.10'), v6('fd00:1::a')],
  blue0: [v4('10.99.0.2'), v6('fd00:98::2')],
  red0: [v4('10.99.0.2'), v6('fd00:99::2')],
  br1: [v4('10.50.0.2')],
  red: [],
};
const masters: Record<string, string> = { red0: 'red', br1: 'red', tap1: 'br1' };
const master = (n: string) => masters[n];

test('a VRF holds itself, its slaves and the slaves of its bridges; a plain interface is just itself', () => {
  expect(Object.keys(vrfInterfaces('red', table, master)).sort()).toEqual(['br1', 'red', 'red0']);
  expect(Object.keys(vrfInterfaces('blue0', table, master))).toEqual(['blue0']);
  expect(vrfInterfaces('nope', table, master)).toEqual({});
});

test('next hop of the other family and router ID come from the VRF, not from the first interface holding the address', () => {
  expect(siblingAddress('10.99.0.2', 6, table)).toBe('fd00:98::2');
  expect(siblingAddress('10.99.0.2', 6, vrfInterfaces('red', table, master))).toBe('fd00:99::2');
  expect(siblingAddress('10.99.0.2', 6, vrfInterfaces('blue0', table, master))).toBe('fd00:98::2');
  expect(pickRouterId('fd00:99::2', vrfInterfaces('red', table, master))).toBe('10.99.0.2');
  expect(pickRouterId('fd00:99::5', vrfInterfaces('red', table, master))).toBe('10.99.0.2');
  expect(pickRouterId('fd00:99::5', table)).toBe('192.168.1.10');
});
