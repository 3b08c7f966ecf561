// Our LZW encoder against Go's compress/lzw (via the interop binary): byte-identical output on
// inputs long enough to hit the 12-bit width and the clear code at 4095.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { lzwCompress, lzwDecompress } from '../../../src/memberlist/lzw';

jest.setTimeout(320_000);

test('LZW output equals Go compress/lzw byte for byte', () => {
  execFileSync('bash', [join(__dirname, '../../interop/memberlist-go/build.sh'), 'v0.5.1'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  const bin = join(process.env.METALLBTS_CACHE ?? join(homedir(), '.cache/metallbts'), 'bin', 'memberlist-go-v0.5.1');
  const inputs = [
    Buffer.alloc(0),
    Buffer.from('a'),
    Buffer.from('hello hello hello hello'),
    randomBytes(60_000),
    Buffer.from('abc'.repeat(40_000)),
    Buffer.concat([randomBytes(5000), Buffer.alloc(50_000, 1), randomBytes(20_000)]),
  ];
  for (const input of inputs) {
    const go = execFileSync(bin, ['-lzw'], { input, maxBuffer: 1 << 26 });
    expect(lzwCompress(input).equals(go)).toBe(true);
    expect(lzwDecompress(go).equals(input)).toBe(true);
  }
});
