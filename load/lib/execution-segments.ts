// k6 execution segments for N instances, written exactly as k6-operator writes them for its
// runners (sequence "0,1/N,…,(N-1)/N,1"; runner i of N runs "(i-1)/N:i/N"), so a local
// `--instances N` run and a k6-operator run of parallelism N split the work the same way.
export function segmentSequence(n: number): string {
  const parts = ['0'];
  for (let i = 1; i < n; i++) parts.push(`${i}/${n}`);
  parts.push('1');
  return parts.join(',');
}

/** Segment of instance `index` (1-based) of n. */
export function segmentOf(index: number, n: number): string {
  const part = (i: number) => (i === 0 ? '0' : i === n ? '1' : `${i}/${n}`);
  return `${part(index - 1)}:${part(index)}`;
}

/** The segments a sequence is cut into, in order. */
export function segmentsOfSequence(sequence: string): string[] {
  const parts = sequence.split(',');
  return parts.slice(1).map((p, i) => `${parts[i]}:${p}`);
}

/** k6 flags for instance `index` of n (none when n = 1: the whole test). */
export function segmentArgs(index: number, n: number): string[] {
  if (n === 1) return [];
  return ['--execution-segment', segmentOf(index, n), '--execution-segment-sequence', segmentSequence(n)];
}
