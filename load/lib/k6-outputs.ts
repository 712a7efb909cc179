// --k6-out: k6 outputs passed through to every k6 process of a run (repeatable), e.g.
// `experimental-prometheus-rw` (settings from K6_PROMETHEUS_RW_* in the environment) or
// `json=run.json`, so a team can watch a run in Grafana while loadlab writes its own report from the
// CSV it always adds. With several instances, each is tagged instance_id=<i> (as k6-operator tags
// its runners) and a file output gets `-instance-<i>` before its extension.
import { z } from 'zod';

export const K6_OUT_OPTIONS = { 'k6-out': { type: 'string', multiple: true } } as const;

export const k6OutOption = z
  .array(z.string().regex(/^[a-z][a-z0-9-]*(=.+)?$/, 'give a k6 output as NAME or NAME=CONFIG, e.g. experimental-prometheus-rw or json=run.json'))
  .default([]);

const FILE_OUTPUTS = new Set(['json', 'csv']);

/** The `--out` arguments of instance `index` of `n` (and its instance_id tag, so the series of several instances stay apart). */
export function k6OutArgs(outputs: string[], index: number, n: number): string[] {
  const tag = n > 1 && outputs.length ? ['--tag', `instance_id=${index}`] : [];
  return tag.concat(outputs.flatMap((o) => {
    const eq = o.indexOf('=');
    const name = eq < 0 ? o : o.slice(0, eq);
    let config = eq < 0 ? '' : o.slice(eq + 1);
    if (n > 1 && FILE_OUTPUTS.has(name) && config) config = config.replace(/(\.[a-z]+(\.gz)?)?$/i, (ext) => `-instance-${index}${ext}`);
    return ['--out', config ? `${name}=${config}` : name];
  }));
}
