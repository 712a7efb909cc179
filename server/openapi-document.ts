// Writes the OpenAPI document that buildApp() serves at /docs/json to a file, without a database
// or a listening socket, so `make lint-api` lints exactly what clients are given.
// Usage: tsx server/openapi-document.ts <out.json>
import { writeFileSync } from 'node:fs';
import { buildApp } from './app';
import { loadConfig } from './config';

/** The served document, fetched through inject(): the pool is created but never connects. */
export async function servedOpenApiDocument(): Promise<unknown> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/unused',
    API_TOKEN: 'openapi-document-only-0123456789',
    LOG_LEVEL: 'silent',
  });
  const app = await buildApp(config);
  try {
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    if (res.statusCode !== 200) throw new Error(`GET /docs/json answered ${res.statusCode}`);
    return res.json();
  } finally {
    await app.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: tsx server/openapi-document.ts <out.json>');
    process.exit(2);
  }
  writeFileSync(out, `${JSON.stringify(await servedOpenApiDocument(), null, 2)}\n`);
}
