// GET /api/v1/stats: row counts and id ranges per table — the harness samples ids from these.
// Shape: {"tables": {"members": {"rows": 10000, "min_id": 1, "max_id": 10000}, …}}
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { ErrorResponse, NoQuery } from '../domain/common';
import { StatsSchema } from '../domain/stats';
import { ROUTES } from '../domain/routes';
import { DATA_TABLES } from '../db/schema';
import type { AppContext } from '../context';

export default async function statsRoutes(app: FastifyInstance, { db }: AppContext) {
  app.withTypeProvider<ZodTypeProvider>().get(
    ROUTES.stats,
    { schema: { tags: ['observability'], summary: 'Row counts and id ranges per table', operationId: 'getStats', querystring: NoQuery, response: { 200: StatsSchema, 401: ErrorResponse } } },
    async () => {
      const parts = DATA_TABLES.map(
        (t) => sql`select ${t}::text as table_name, count(*)::bigint as rows, min(id)::bigint as min_id, max(id)::bigint as max_id from ${sql.table(t)}`,
      );
      const { rows } = await sql<{ table_name: string; rows: number; min_id: number | null; max_id: number | null }>`${sql.join(parts, sql` union all `)}`.execute(db);
      const tables: Record<string, { rows: number; min_id: number | null; max_id: number | null }> = {};
      for (const r of rows) tables[r.table_name] = { rows: Number(r.rows), min_id: r.min_id, max_id: r.max_id };
      return { tables };
    },
  );
}
