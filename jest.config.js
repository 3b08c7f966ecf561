/** Jest runs TypeScript through swc (fast, keeps decorator metadata); `tsc` type-checks in `npm run build`. */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // @kubernetes/client-node >= 1 and a few of its deps are ESM-only; swc turns them into CommonJS for jest.
  transform: { '^.+\\.(t|m?j)s$': ['@swc/jest', swc] },
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|jsonpath-plus|rfc4648)/)'],
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
  maxWorkers: 2,
};
