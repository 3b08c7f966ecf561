// `metallbts validate`: output lines and exit codes 0 (valid), 1 (invalid), 2 (usage), in-process.
import { join } from 'node:path';
import { captureCli } from '../../support/captured-cli';
import { runValidate } from '../../../src/cli/commands/validate';

const FIXTURES = join(__dirname, '../../fixtures/config');
const tutorial = (f: string): string => join(FIXTURES, 'tutorials', f);
const invalid = (f: string): string => join(FIXTURES, 'invalid', f);

function run(files: string[], plugins?: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runValidate(files, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) }, { plugins });
  return { code, out, err };
}

describe('runValidate', () => {
  it('exits 0 with no output lines for a tutorial config', () => {
    const r = run([tutorial('000-arp-cidr.yaml')]);
    expect(r).toEqual({ code: 0, out: [], err: ['configuration is valid: 1 pool(s)'] });
  });

  it('exits 0 on warnings only, printing them', () => {
    const file = invalid('unknown-field-typo.yaml');
    const r = run([file]);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([`${file}:address-pools[0].auto-asign: warning: unknown field "auto-asign" (did you mean "auto-assign"?); ignored`]);
  });

  it('exits 1 and prints FILE:PATH: message per problem', () => {
    const file = invalid('bad-cidr.yaml');
    const r = run([file]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([`${file}:address-pools[1].addresses[0]: "192.168.1.300/28" is not a CIDR or an address range`]);
    expect(r.err).toEqual(['1 error(s), 0 warning(s): configuration is invalid']);
  });

  it('checks files together: a pool defined in two files is an error', () => {
    const r = run([tutorial('002-layer2-range.yaml'), tutorial('crd-002-layer2.yaml')]);
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(/crd-002-layer2\.yaml:IPAddressPool\/my-ip-space: pool "my-ip-space" is defined both in the ConfigMap and as an IPAddressPool/);
  });

  it('exits 2 without files, on an unreadable file, or an unloadable plugin module', () => {
    expect(run([]).code).toBe(2);
    const missing = run([join(FIXTURES, 'does-not-exist.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.err[0]).toMatch(/cannot read .*does-not-exist\.yaml: ENOENT/);
    const plugin = run([tutorial('000-arp-cidr.yaml')], ['metallbts-no-such-plugin']);
    expect(plugin.code).toBe(2);
    expect(plugin.err[0]).toMatch(/cannot load plugin module "metallbts-no-such-plugin"/);
  });
});

describe('metallbts validate (through the command line program)', () => {
  const cli = captureCli();

  it.each([
    { what: 'two tutorials claiming the same addresses', files: [tutorial('004-bgp.yaml'), tutorial('crd-002-layer2.yaml')], code: 1 },
    { what: 'a valid tutorial', files: [tutorial('crd-004-bgp.yaml')], code: 0 },
    { what: 'an invalid file', files: [invalid('overlap-across-pools.yaml')], code: 1 },
    { what: 'no file', files: [], code: 2 },
    { what: 'an unreadable file', files: [join(FIXTURES, 'nope.yaml')], code: 2 },
    { what: 'an unknown option', files: ['--frobnicate', tutorial('004-bgp.yaml')], code: 2 },
  ])('$what → exit $code', async ({ files, code }) => {
    expect(await cli.run('validate', ...files)).toBe(code);
  });

  it('prints the located problem on stdout', async () => {
    const file = invalid('hold-time-too-short.yaml');
    await cli.run('validate', file);
    expect(cli.stdout()).toBe(`${file}:peers[0].hold-time: hold time 2.5s is invalid: it must be 0 or at least 3s\n`);
    expect(cli.stderr()).toMatch(/configuration is invalid/);
  });
});

describe('output order', () => {
  it('groups problems by file in command-line order', () => {
    const a = invalid('overlap-across-pools.yaml');
    const b = invalid('unknown-kind.yaml');
    const r = run([a, b]);
    const files = r.out.map((l) => (l.startsWith(a) ? 'a' : 'b'));
    expect(files).toEqual([...files].sort());
    expect(r.out.length).toBeGreaterThanOrEqual(3);
  });
});
