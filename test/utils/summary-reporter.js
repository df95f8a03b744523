// Appends "passed failed skipped" for this jest run to $CONVEYOR_TEST_SUMMARY, so .ci/run can
// print one closing line over the several runs `npm test` makes. The two e2e runs, which run at
// once, each get a file of their own from test/run-e2e.mjs, which adds them up when they end.
const { appendFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.CONVEYOR_TEST_SUMMARY;
    if (!file) return;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    appendFileSync(
      file,
      `${results.numPassedTests} ${failed} ${results.numPendingTests + results.numTodoTests}\n`,
    );
  }
}

module.exports = SummaryReporter;
