// Queueing-network arithmetic for the capacity model: asymptotic bounds and exact mean value
// analysis (MVA) of a closed, single-class network with think time. Stations are single-server
// queues, multi-server queues (a CPU with c cores, a pool of c connections: load-dependent with
// rate min(j, c)/S, solved exactly with marginal probabilities, Reiser & Lavenberg / Menascé et al.)
// or pure delays. Checked against published exact results in test/unit/capacity-mva.test.ts.

export interface Station {
  name: string;
  /** 'queue' = c identical servers with one FCFS/PS queue; 'delay' = no queueing (infinite servers) */
  kind: 'queue' | 'delay';
  /** servers (c ≥ 1, whole number) for a queue; ignored for a delay */
  servers: number;
  /** service demand per request (visits × service time), seconds */
  demand: number;
}

export interface MvaPoint {
  n: number;
  /** throughput, requests/s */
  x: number;
  /** response time (time in the stations, think time excluded), s */
  r: number;
  /** per station: residence time (s), mean number present, utilisation per server (0–1) */
  stations: { name: string; residence: number; queue: number; utilization: number }[];
}

/** Asymptotic bounds: X(N) ≤ min(N/(D+Z), c/Dₖ for every queue k); R(N) ≥ max(D, N·Dmax/c − Z). */
export function asymptoticBounds(stations: Station[], n: number, thinkS: number): { xMax: number; rMin: number; bottleneck: string | null; nStar: number } {
  const d = stations.reduce((a, s) => a + s.demand, 0);
  let cap = Infinity;
  let bottleneck: string | null = null;
  for (const s of stations) {
    if (s.kind !== 'queue' || s.demand <= 0) continue;
    const c = s.servers / s.demand;
    if (c < cap) {
      cap = c;
      bottleneck = s.name;
    }
  }
  const xMax = Math.min(n / (d + thinkS), cap);
  const rMin = Math.max(d, Number.isFinite(cap) ? n / cap - thinkS : 0);
  // N* = (D + Z)·X_cap: the population where the two throughput bounds cross (the knee).
  const nStar = Number.isFinite(cap) ? (d + thinkS) * cap : Infinity;
  return { xMax, rMin, bottleneck, nStar };
}

/**
 * Exact MVA from 1 to `n` users; returns the points asked for in `at` (default: n only).
 * Multi-server stations keep the marginal probabilities p(j) for j < c, so the cost is
 * O(n · Σc) — a few milliseconds for 4,000 users and a 20-connection pool.
 */
export function exactMva(stations: Station[], n: number, thinkS: number, at: number[] = [n]): MvaPoint[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`MVA needs a whole number of users ≥ 1, got ${n}`);
  for (const s of stations) {
    if (!(s.demand >= 0) || !Number.isFinite(s.demand)) throw new RangeError(`station ${s.name}: demand must be a finite number ≥ 0, got ${s.demand}`);
    if (s.kind === 'queue' && (!Number.isInteger(s.servers) || s.servers < 1)) throw new RangeError(`station ${s.name}: servers must be a whole number ≥ 1, got ${s.servers}`);
  }
  const want = new Set(at);
  const out: MvaPoint[] = [];
  const k = stations.length;
  const q = new Float64Array(k);
  // p[i][j] = P(j requests at multi-server station i), j = 0 … c−1, for the previous population.
  const p: Float64Array[] = stations.map((s) => {
    const a = new Float64Array(s.kind === 'queue' && s.servers > 1 ? s.servers : 0);
    if (a.length) a[0] = 1;
    return a;
  });
  const r = new Float64Array(k);
  for (let m = 1; m <= n; m++) {
    let rTotal = 0;
    for (let i = 0; i < k; i++) {
      const s = stations[i]!;
      if (s.kind === 'delay') r[i] = s.demand;
      else if (s.servers === 1) r[i] = s.demand * (1 + q[i]!);
      else {
        const c = s.servers;
        const pi = p[i]!;
        let correction = 0;
        for (let j = 0; j <= c - 2; j++) correction += (c - 1 - j) * pi[j]!;
        r[i] = (s.demand / c) * (1 + q[i]! + correction);
      }
      rTotal += r[i]!;
    }
    const x = m / (thinkS + rTotal);
    for (let i = 0; i < k; i++) {
      const s = stations[i]!;
      q[i] = x * r[i]!;
      if (s.kind === 'queue' && s.servers > 1) {
        const c = s.servers;
        const pi = p[i]!;
        // p(j | m) = X·D/j · p(j−1 | m−1) for j = 1 … c−1 (load-dependent rate min(j, c)).
        for (let j = c - 1; j >= 1; j--) pi[j] = ((x * s.demand) / j) * pi[j - 1]!;
        let rest = x * s.demand;
        for (let j = 1; j <= c - 1; j++) rest += (c - j) * pi[j]!;
        pi[0] = Math.max(0, 1 - rest / c);
      }
    }
    if (want.has(m)) {
      out.push({
        n: m,
        x,
        r: rTotal,
        stations: stations.map((s, i) => ({
          name: s.name,
          residence: r[i]!,
          queue: q[i]!,
          utilization: s.kind === 'queue' ? (x * s.demand) / s.servers : 0,
        })),
      });
    }
  }
  return out;
}

/**
 * Seidmann's approximation of a c-server station: a single server with demand D/c followed by a
 * delay of D·(c−1)/c. Kept for comparison (the report uses the exact multi-server MVA).
 */
export function seidmann(stations: Station[]): Station[] {
  return stations.flatMap((s) =>
    s.kind === 'queue' && s.servers > 1
      ? [
          { name: `${s.name} (queue)`, kind: 'queue' as const, servers: 1, demand: s.demand / s.servers },
          { name: `${s.name} (delay)`, kind: 'delay' as const, servers: 1, demand: (s.demand * (s.servers - 1)) / s.servers },
        ]
      : [s],
  );
}
