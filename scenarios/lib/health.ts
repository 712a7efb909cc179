// setup() checks /health before any load: a run against a sick server is not a load test.
import http from 'k6/http';

export function assertHealthy(baseUrl: string): void {
  const res = http.get(`${baseUrl}/health`, { tags: { name: 'GET /health', op: 'setup' } });
  if (res.status !== 200) {
    throw new Error(`GET ${baseUrl}/health answered ${res.status}: ${String(res.body).slice(0, 200)}`);
  }
}
