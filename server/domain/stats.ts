// zod schema of GET /stats: row counts and id ranges per data table (the harness samples ids here).
import { z } from 'zod';

export const TableStats = z.object({ rows: z.number().int(), min_id: z.number().int().nullable(), max_id: z.number().int().nullable() });
export const StatsSchema = z.object({ tables: z.record(z.string(), TableStats) });
