// The plugin's config check, run by the controller and `metallbts validate --plugin`.
import type { Config, Pool } from 'metallbts/plugin-api';
import plugin from '../src';

const pool = (protocols: string[]): Pool => ({
  name: 'routed', ranges: [], autoAssign: true, avoidBuggyIPs: false, labels: {}, protocols,
  source: { file: 'config.yaml', path: 'address-pools[0]' },
});
const config = {} as Config;

test('a pool announced only by the webhook is fine; also by layer2 is a warning located at the pool', () => {
  expect(plugin.validate!({ pool: pool(['webhook']), config })).toEqual([]);
  expect(plugin.validate!({ pool: pool(['webhook', 'layer2']), config })).toEqual([{
    severity: 'warning', path: '', message: 'pool "routed" is announced by layer2 as well as by the webhook: both will steer traffic for its addresses',
  }]);
});
