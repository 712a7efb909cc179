// The one HTTP client of the scenarios: bearer auth, JSON, and tags that name every request by
// its route template (`GET /members/:id`) and operation, never by raw URL.
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { API_PREFIX } from './domain';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RequestOptions {
  /** JSON body (serialized here). */
  json?: unknown;
  /** Raw body with its content type (uploads). */
  raw?: { body: string | ArrayBuffer; contentType: string };
  tags?: Record<string, string>;
}

export interface Client {
  request(op: string, method: Method, template: string, path: string, o?: RequestOptions): RefinedResponse<ResponseType | undefined>;
}

export function createClient(baseUrl: string, token: string): Client {
  const auth = `Bearer ${token}`;
  return {
    request(op, method, template, path, o = {}) {
      const tags = { ...o.tags, op, name: `${method} ${template}` };
      let body: string | ArrayBuffer | null = null;
      const headers: Record<string, string> = { Authorization: auth };
      if (o.raw) {
        body = o.raw.body;
        headers['Content-Type'] = o.raw.contentType;
      } else if (o.json !== undefined) {
        body = JSON.stringify(o.json);
        headers['Content-Type'] = 'application/json';
      }
      return http.request(method, `${baseUrl}${API_PREFIX}${path}`, body, { headers, tags });
    },
  };
}

/** Parsed JSON body or undefined (never throws on a non-JSON error page). */
export function jsonOf<T>(res: { body: unknown }): T | undefined {
  if (typeof res.body !== 'string' || res.body.length === 0) return undefined;
  try {
    return JSON.parse(res.body) as T;
  } catch {
    return undefined;
  }
}
