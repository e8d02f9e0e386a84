// @platformatic/kafka and its helpers ship only ES modules, which jest's CommonJS runtime cannot
// require: they go through swc like the sources.
const preset = require('../../jest.preset.cjs');
module.exports = {
  ...preset,
  transform: {
    ...preset.transform,
    '^.+/@platformatic/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?@platformatic/)'],
};
