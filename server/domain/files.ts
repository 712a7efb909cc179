// zod schemas of file attachments (metadata; content is uploaded separately and stored on disk,
// content-addressed by sha256).
import { z } from 'zod';
import { FILE_OWNER_TYPES } from './enums';
import { PageQuery, RequiredText, Text, Timestamp, pageOf } from './common';

export const MIME_TYPE_PATTERN = /^[a-z0-9.+-]+\/[a-zA-Z0-9.+-]+$/;

export const CreateFileBody = z.strictObject({
  file_name: RequiredText(255).refine((s) => !/[/\\]/.test(s), 'must be a file name, not a path'),
  mime_type: z.string().max(100, 'must be at most 100 characters').regex(MIME_TYPE_PATTERN, 'must look like type/subtype'),
  category: Text(50).nullable().optional(),
  description: Text(2000).nullable().optional(),
});
export type CreateFileInput = z.infer<typeof CreateFileBody>;

export const ListFilesQuery = PageQuery.strict();
export type ListFilesInput = z.infer<typeof ListFilesQuery>;

export const FileSchema = z.object({
  id: z.number().int(),
  owner_type: z.enum(FILE_OWNER_TYPES),
  owner_id: z.number().int(),
  category: z.string().nullable(),
  file_name: z.string(),
  mime_type: z.string(),
  size_bytes: z.number().int().nullable(),
  sha256: z.string().nullable(),
  storage_key: z.string().nullable(),
  description: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export const FilePage = pageOf(FileSchema);
