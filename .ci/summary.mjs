// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON report. A suite that failed to load
// has no failed test but fails the run, so it counts as one failure rather than vanishing from the count.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest.json';
let passed = 0;
let failed = 1;
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed = report.numPassedTests;
  const brokenSuites = report.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.every((t) => t.status !== 'failed')).length;
  failed = report.numFailedTests + brokenSuites;
} catch (error) {
  console.error(`no usable test report in ${file}: ${error.message}`);
}
console.log(`${passed} passed, ${failed} failed`);
