// `--dashboard`: k6's own web dashboard for the run, on a free loopback port, with its HTML export
// saved into the report folder when k6 ends. k6 keeps running while a browser tab is open on it.
import { freePort } from '../../server/db/embedded-postgres';

export interface K6Dashboard {
  port: number;
  url: string;
}

/** A port for the dashboard (one per run: capacity steps reuse it, so an open tab reconnects). */
export async function openK6Dashboard(): Promise<K6Dashboard> {
  const port = await freePort();
  return { port, url: `http://127.0.0.1:${port}` };
}

/** The line that tells the user where to look. */
export function dashboardLine(d: K6Dashboard, dir: string): string {
  return `k6 web dashboard: ${d.url} (live while k6 runs; k6 ends only once no tab is open on it; HTML export into ${dir})`;
}

/** The k6 environment that turns the dashboard on; one data point per `periodS`. */
export function k6DashboardEnv(d: K6Dashboard, exportFile: string, periodS: number): Record<string, string> {
  return {
    K6_WEB_DASHBOARD: 'true',
    K6_WEB_DASHBOARD_HOST: '127.0.0.1',
    K6_WEB_DASHBOARD_PORT: String(d.port),
    K6_WEB_DASHBOARD_OPEN: 'false',
    K6_WEB_DASHBOARD_PERIOD: `${periodS}s`,
    K6_WEB_DASHBOARD_EXPORT: exportFile,
  };
}

/** k6 skips the export for runs shorter than a few periods: about 60 points whatever the length. */
export function dashboardPeriodS(plannedSeconds: number | undefined): number {
  return plannedSeconds ? Math.min(10, Math.max(1, Math.round(plannedSeconds / 60))) : 2;
}
