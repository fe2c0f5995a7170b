// Prints the plain closing line CI reads, from vitest's JSON report, and exits non-zero on any failure.
import { readFileSync } from 'node:fs';

const [file, vitestStatus, checksStatus = '0'] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that failed to load counts as a failure even if no test inside it ran.
  failed += (report.testResults ?? []).filter((r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0).length;
} catch (error) {
  failed = Math.max(failed, 1);
  console.error(`could not read the test report ${file}: ${error.message}`);
}
if (Number(vitestStatus) !== 0 && failed === 0) failed = 1;
// A run that executed no test is a failure, not a pass.
if (passed === 0 && failed === 0) failed = 1;
// The guard rails (`npm run check`) count as one test.
if (Number(checksStatus) !== 0) failed += 1;
else passed += 1;
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
