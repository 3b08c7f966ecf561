import { parseGoDuration } from '../../../src/core/config/durations';

describe('parseGoDuration', () => {
  it.each([
    ['90s', 90],
    ['1m30s', 90],
    ['1h', 3600],
    ['500ms', 0.5],
    ['1.5s', 1.5],
    ['0', 0],
    ['0s', 0],
  ])('%s = %d s', (text, seconds) => {
    expect(parseGoDuration(text)).toBeCloseTo(seconds);
  });

  it.each(['', '90', 's', '1d', '1m30', '-5s', '1 s', ' 90s', '2562048h'])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});
