// --k6-out values become k6 --out arguments: as given for one instance; with several, each instance
// tagged instance_id=<i> and its own file for file outputs.
import { describe, expect, it } from 'vitest';
import { k6OutArgs, k6OutOption } from '../../load/lib/k6-outputs';

describe('k6OutArgs', () => {
  it('passes outputs through for one instance', () => {
    expect(k6OutArgs(['experimental-prometheus-rw', 'json=out/run.json'], 1, 1)).toEqual(['--out', 'experimental-prometheus-rw', '--out', 'json=out/run.json']);
    expect(k6OutArgs([], 1, 1)).toEqual([]);
  });

  it('with several instances: instance_id tag, one file per instance', () => {
    expect(k6OutArgs(['experimental-prometheus-rw', 'json=out/run.json', 'csv=x.csv.gz'], 2, 3)).toEqual([
      '--tag', 'instance_id=2', '--out', 'experimental-prometheus-rw', '--out', 'json=out/run-instance-2.json', '--out', 'csv=x-instance-2.csv.gz',
    ]);
    expect(k6OutArgs([], 2, 3)).toEqual([]);
  });

  it('refuses what is not an output', () => {
    expect(k6OutOption.safeParse(['json=a.json', 'experimental-prometheus-rw']).success).toBe(true);
    expect(k6OutOption.safeParse(['--vus 5']).success).toBe(false);
    expect(k6OutOption.parse(undefined)).toEqual([]);
  });
});
