// File attachments: metadata per owner (members, organizations, students), metadata by id,
// streamed upload (PUT /files/:id/content: size limit, sha256 on the way, content-addressed on
// disk), streamed download with the stored content type, and delete (content too when no other
// row references it).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponse, IdParam, NoQuery } from '../domain/common';
import { CreateFileBody, FilePage, FileSchema, ListFilesQuery } from '../domain/files';
import { API_PREFIX, ROUTES } from '../domain/routes';
import type { AppContext } from '../context';
import { contentPath, exists, receiveUpload, tooLarge } from '../files/content-store';
import { HttpError, notFound } from '../plugins/errors';
import {
  attachContent,
  createFile,
  deleteFile,
  findFileById,
  listFiles,
  ownerExists,
  type OwnerType,
} from '../repositories/files.repository';

const tags = ['files'];
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

const OWNERS: { route: string; ownerType: OwnerType; name: string }[] = [
  { route: ROUTES.memberFiles, ownerType: 'member', name: 'Member' },
  { route: ROUTES.organizationFiles, ownerType: 'organization', name: 'Organization' },
  { route: ROUTES.studentFiles, ownerType: 'student', name: 'Student' },
];

export default async function fileRoutes(app: FastifyInstance, { db, config }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const filesDir = config.FILES_DIR;

  for (const { route, ownerType, name } of OWNERS) {
    r.get(route, { schema: { tags, summary: `A ${ownerType}'s files`, operationId: `list${name}Files`, params: IdParam, querystring: ListFilesQuery, response: { 200: FilePage, ...errors } } }, async (req) => {
      const page = await listFiles(db, ownerType, req.params.id, req.query);
      if (!page) throw notFound(ownerType, req.params.id);
      return page;
    });

    r.post(route, { schema: { tags, summary: `Register a file of a ${ownerType} (its content follows with PUT /files/{id}/content)`, operationId: `create${name}File`, params: IdParam, body: CreateFileBody, response: { 201: FileSchema, ...errors } } }, async (req, reply) => {
      if (!(await ownerExists(db, ownerType, req.params.id))) throw notFound(ownerType, req.params.id);
      const file = await createFile(db, ownerType, req.params.id, req.body);
      return reply.code(201).header('Location', `${API_PREFIX}/files/${file.id}`).send(file);
    });
  }

  r.get(ROUTES.file, { schema: { tags, summary: "A file's metadata", operationId: 'getFile', params: IdParam, querystring: NoQuery, response: { 200: FileSchema, ...errors } } }, async (req) => {
    const file = await findFileById(db, req.params.id);
    if (!file) throw notFound('file', req.params.id);
    return file;
  });

  r.get(
    ROUTES.fileContent,
    { schema: { tags, summary: "Download a file's content", operationId: 'getFileContent', params: IdParam, querystring: NoQuery, response: { 200: z.any().describe('the file content, with its stored content type'), ...errors } } },
    async (req, reply) => {
      const file = await findFileById(db, req.params.id);
      if (!file) throw notFound('file', req.params.id);
      if (!file.sha256 || !file.storage_key) throw new HttpError(404, 'not_found', `file ${file.id} has no content yet (PUT /files/${file.id}/content)`);
      const onDisk = contentPath(filesDir, file.storage_key);
      if (!(await exists(onDisk))) throw new HttpError(404, 'content_missing', `the content of file ${file.id} is missing from storage`);
      reply
        .type(file.mime_type)
        .header('Content-Length', String(file.size_bytes ?? 0))
        .header('ETag', `"${file.sha256}"`)
        .header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.file_name)}`);
      return reply.send(createReadStream(onDisk));
    },
  );

  r.delete(ROUTES.file, { schema: { tags, summary: 'Delete a file and its content', operationId: 'deleteFile', params: IdParam, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    if (!(await deleteFile(db, filesDir, req.params.id))) throw notFound('file', req.params.id);
    return reply.code(204).send(null);
  });

  // The upload takes the raw body as a stream, whatever its content type (a JSON file is content
  // too), in its own scope so the JSON parser of the rest of the API is untouched.
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    raw.withTypeProvider<ZodTypeProvider>().put(
      ROUTES.fileContent,
      {
        schema: {
          tags,
          summary: `Upload a file's content (raw body, at most ${config.MAX_UPLOAD_BYTES} bytes)`,
          operationId: 'putFileContent',
          params: IdParam,
          response: { 200: FileSchema, ...errors, 413: ErrorResponse },
        },
      },
      async (req) => {
        const declared = Number(req.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > config.MAX_UPLOAD_BYTES) throw tooLarge(config.MAX_UPLOAD_BYTES);
        if (!(await findFileById(db, req.params.id))) throw notFound('file', req.params.id);
        const body = req.body as Readable | undefined;
        if (!body || typeof (body as Readable).pipe !== 'function') {
          throw new HttpError(400, 'validation_error', 'the request has no body', [{ path: 'body', message: 'is required' }]);
        }
        const upload = await receiveUpload(filesDir, body, config.MAX_UPLOAD_BYTES);
        const file = await attachContent(db, filesDir, req.params.id, upload);
        if (!file) throw notFound('file', req.params.id);
        return file;
      },
    );
  });
}
