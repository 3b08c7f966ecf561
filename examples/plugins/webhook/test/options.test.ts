// Options from values: defaults, and errors that name the option to fix.
import plugin, { DEFAULTS, parseOptions } from '../src';
import { createFakeContext } from 'metallbts/plugin-testkit';

describe('options', () => {
  test('a URL alone gives the defaults', () => {
    const o = parseOptions({ url: 'https://lb.example:8443/api/vips' });
    expect(o.url.href).toBe('https://lb.example:8443/api/vips');
    expect(o).toMatchObject({ ...DEFAULTS, headers: {} });
    expect(o.tokenSecret).toBeUndefined();
    expect(parseOptions({ url: 'https://x/', tokenSecret: { name: 'lb' }, caSecret: { name: 'lb' } })).toMatchObject({
      tokenSecret: { name: 'lb', key: 'token' }, caSecret: { name: 'lb', key: 'ca.crt' },
    });
  });

  test.each([
    [{}, /options\.url: is required/],
    [{ url: 'lb.example/api' }, /options\.url: is not a URL/],
    [{ url: 'ftp://lb.example/' }, /options\.url: must be http:\/\/ or https:\/\/, got ftp:/],
    [{ url: 'https://admin:pw@lb.example/' }, /options\.url: must not hold credentials .*tokenSecret/],
    [{ url: 'http://x/', tokenSecret: 'lb' }, /options\.tokenSecret: must be \{name, key\}/],
    [{ url: 'http://x/', tokenSecret: { name: 'lb', key: 3 } }, /options\.tokenSecret\.key: must be a non-empty string/],
    [{ url: 'http://x/', caSecret: { name: 'ca' } }, /options\.caSecret: needs an https:\/\/ url/],
    [{ url: 'http://x/', headers: { Authorization: 'Bearer x' } }, /options\.headers\.Authorization: would put a credential in values/],
    [{ url: 'http://x/', headers: { 'bad header': 'x' } }, /options\.headers\.bad header: is not a valid header name/],
    [{ url: 'http://x/', timeoutMs: '5s' }, /options\.timeoutMs: must be an integer from 100 to 600000, got "5s"/],
    [{ url: 'http://x/', queueSize: 0 }, /options\.queueSize: must be an integer from 1/],
    [{ url: 'http://x/', retryBaseMs: 1000, retryMaxMs: 10 }, /options\.retryMaxMs: must be at least retryBaseMs \(1000\)/],
    [{ url: 'http://x/', withdrawOnShutdown: 'yes' }, /options\.withdrawOnShutdown: must be true or false/],
    [{ url: 'http://x/', tabel: 100 }, /options\.tabel: is not an option of this plugin \(known: url, /],
  ])('%j is refused', (raw, message) => {
    expect(() => parseOptions(raw)).toThrow(message);
  });

  test('create() with bad options throws (the speaker marks the pools failed and logs it)', () => {
    expect(() => plugin.create(createFakeContext({ options: { url: 'nope' } }).ctx)).toThrow(/^webhook plugin: options\.url/);
  });
});
