// `metallbts l2 announce` argument handling (exit codes before any socket is opened).
import { Command } from 'commander';
import { announce, register } from '../../../src/cli/commands/l2';

describe('l2 announce arguments', () => {
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => stderr.mockRestore());

  it('exits 2 without --ip', async () => {
    expect(await announce({ interface: [], ip: [] })).toBe(2);
  });
  it('exits 2 on an invalid IP', async () => {
    expect(await announce({ interface: [], ip: ['192.168.1.300'] })).toBe(2);
    expect(String(stderr.mock.calls[0][0])).toMatch(/not an IP address: 192.168.1.300/);
  });
  it('exits 1 on an interface that does not exist', async () => {
    expect(await announce({ interface: ['mlbts-nope0'], ip: ['192.168.1.240'] })).toBe(1);
    expect(String(stderr.mock.calls[0][0])).toMatch(/mlbts-nope0: no such interface/);
  });
  it('registers `l2 announce` with repeatable --ip and --interface', () => {
    const program = new Command();
    register(program);
    const l2 = program.commands.find((c) => c.name() === 'l2');
    const ann = l2?.commands.find((c) => c.name() === 'announce');
    expect(ann?.options.map((o) => o.long)).toEqual(['--interface', '--ip', '--log-level']);
  });
});
