// One cli-progress bar per table with rows/s, on stderr, only when stderr is a terminal (CI logs
// and tests get the end summary only).
import cliProgress from 'cli-progress';

export interface TableProgress {
  update(rows: number): void;
  finish(rows: number): void;
}

export interface SeedProgress {
  table(name: string, expectedRows: number): TableProgress;
  stop(): void;
}

const SILENT: TableProgress = { update() {}, finish() {} };

export function createProgress(enabled: boolean, width: number): SeedProgress {
  if (!enabled) return { table: () => SILENT, stop() {} };
  const multi = new cliProgress.MultiBar(
    {
      format: `{table} |{bar}| {value}/{total} rows | {rate} rows/s | {secs} s`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      fps: 10,
      formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? String(v).padStart(8) : String(v)),
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    table(name, expectedRows) {
      const started = performance.now();
      const bar = multi.create(Math.max(1, expectedRows), 0, { table: name.padEnd(width), rate: '0', secs: '0.0' });
      const payload = (rows: number) => {
        const secs = Math.max(1e-3, (performance.now() - started) / 1000);
        return { rate: Math.round(rows / secs).toLocaleString('en-US'), secs: secs.toFixed(1) };
      };
      return {
        update(rows) {
          if (rows > bar.getTotal()) bar.setTotal(rows);
          bar.update(rows, payload(rows));
        },
        finish(rows) {
          bar.setTotal(Math.max(1, rows));
          bar.update(rows, payload(rows));
        },
      };
    },
    stop() {
      multi.stop();
    },
  };
}
