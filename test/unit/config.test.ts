import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';

const db = 'postgres://u:p@127.0.0.1:5432/x';

describe('loadConfig', () => {
  it('refuses to start in production without API_TOKEN', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: db })).toThrow(/API_TOKEN is required when NODE_ENV=production/);
  });
  it('names every invalid variable', () => {
    expect(() => loadConfig({ DATABASE_URL: 'nope', PORT: 'x', API_TOKEN: 'short' })).toThrow(/DATABASE_URL.*PORT|PORT.*DATABASE_URL/);
  });
  it('applies defaults and coerces numbers', () => {
    const c = loadConfig({ DATABASE_URL: db, API_TOKEN: 'a'.repeat(24), DB_POOL_MAX: '7', CACHE_ENABLED: 'false' });
    expect(c.DB_POOL_MAX).toBe(7);
    expect(c.CACHE_ENABLED).toBe(false);
    expect(c.PORT).toBe(3000);
  });
});
