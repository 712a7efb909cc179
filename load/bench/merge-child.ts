// Run by the merge benchmark in a fresh Node process: merge the given result files, print time,
// peak RSS (getrusage maxrss) and what was merged as one JSON line.
import { mergedFigures } from '../report/run-summary';
import { mergeResultFiles } from '../results/merge';

const t0 = performance.now();
const merged = mergeResultFiles(process.argv.slice(2));
const f = mergedFigures(merged);
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ seconds, peakMb: process.resourceUsage().maxRSS / 1024, requests: f.totals.requests, p99: f.latency_ms.p99, complete: merged.complete }));
