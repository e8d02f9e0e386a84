// Shared jest setup: tests run TypeScript sources through swc (type checking is `pnpm build`),
// and @goka-ts/* imports resolve to the sibling packages' sources so tests never need a build.
const path = require('path');
const reporters = ['default'];
if (process.env.GOKA_JEST_RESULTS) reporters.push(path.join(__dirname, 'scripts/jest-summary-reporter.cjs'));
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
    // @platformatic/kafka (the platformatic adapter's client) and its helpers ship only ES modules,
    // which jest's CommonJS runtime cannot require.
    '^.+/@platformatic/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?@platformatic/)'],
  moduleNameMapper: { '^@goka-ts/([a-z0-9-]+)$': path.join(__dirname, 'packages/$1/src/index.ts') },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testTimeout: 120000,
  reporters,
};
