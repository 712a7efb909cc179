// The one HTTP client of the scenarios: bearer auth, JSON, and tags that name every request by
// its route template (`GET /members/:id`) and operation, never by raw URL.
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { API_PREFIX } from '../../server/domain/routes';

export interface Client {
  request(
    op: string,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    template: string,
    path: string,
    body?: unknown,
    extraTags?: Record<string, string>,
  ): RefinedResponse<ResponseType | undefined>;
}

export function createClient(baseUrl: string, token: string): Client {
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  return {
    request(op, method, template, path, body, extraTags) {
      const tags = { op, name: `${method} ${template}`, ...extraTags };
      const payload = body === undefined ? null : JSON.stringify(body);
      return http.request(method, `${baseUrl}${API_PREFIX}${path}`, payload, { headers, tags });
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
