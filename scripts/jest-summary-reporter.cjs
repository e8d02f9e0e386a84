// Writes each package's jest totals to $GOKA_JEST_RESULTS/<package>.json so scripts/test.mjs can sum them.
const fs = require('fs');
const path = require('path');
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const dir = process.env.GOKA_JEST_RESULTS;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    const name = path.basename(process.cwd());
    fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({
      passed: results.numPassedTests, failed: results.numFailedTests,
      failedSuites: results.numFailedTestSuites, runtimeErrorSuites: results.numRuntimeErrorTestSuites,
    }));
  }
}
module.exports = SummaryReporter;
