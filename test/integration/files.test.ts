// File content: uploads stream to disk under FILES_DIR with sha256 computed on the way, stored
// content-addressed; downloads return the same bytes with the stored content type; over-limit
// uploads are 413 with nothing left behind; DELETE removes content only when unreferenced.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createTestApp, type TestApp } from '../support/app';
import { expectErrorShape } from '../support/http';

const LIMIT = 64 * 1024;
const filesDir = mkdtempSync(path.join(tmpdir(), 'loadlab-files-'));
let t: TestApp;
let base: string;
let memberId: number;

/** Every regular file under FILES_DIR (temporary uploads included). */
function filesOnDisk(dir = filesDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesOnDisk(p) : [path.relative(filesDir, p)];
  });
}

async function newFile(name = 'blob.bin', mime = 'application/octet-stream') {
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/members/${memberId}/files`, headers: AUTH, payload: { file_name: name, mime_type: mime } });
  expect(res.statusCode).toBe(201);
  return res.json().id as number;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  t = await createTestApp({ FILES_DIR: filesDir, MAX_UPLOAD_BYTES: String(LIMIT) });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const m = await t.app.inject({ method: 'POST', url: '/api/v1/members', headers: AUTH, payload: { member_number: 'F-1', first_name: 'File', last_name: 'Owner', classification: 'journeyman' } });
  memberId = m.json().id;
});
afterAll(async () => {
  await t?.close();
  rmSync(filesDir, { recursive: true, force: true });
});

describe('upload and download', () => {
  it('round-trips binary content byte for byte over real HTTP, with its sha256 and content type', async () => {
    const id = await newFile('scan.png', 'image/png');
    const content = randomBytes(LIMIT - 17);
    const put = await fetch(`${base}/api/v1/files/${id}/content`, { method: 'PUT', headers: { ...AUTH, 'content-type': 'image/png' }, body: content });
    expect(put.status).toBe(200);
    const meta = (await put.json()) as { sha256: string; size_bytes: number; storage_key: string };
    expect(meta).toMatchObject({ sha256: sha(content), size_bytes: content.length });
    expect(statSync(path.join(filesDir, meta.storage_key)).size).toBe(content.length);
    expect(meta.storage_key.endsWith(sha(content))).toBe(true);

    const get = await fetch(`${base}/api/v1/files/${id}/content`, { headers: AUTH });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('image/png');
    expect(get.headers.get('content-length')).toBe(String(content.length));
    const back = Buffer.from(await get.arrayBuffer());
    expect(back.equals(content)).toBe(true);
    expect(sha(back)).toBe(meta.sha256);
  });

  it('stores a JSON upload as bytes (not parsed) and streams a chunked upload without Content-Length', async () => {
    const id = await newFile('data.json', 'application/json');
    const json = Buffer.from('{"not": "parsed",   "spaces": true}\n');
    const inj = await t.app.inject({ method: 'PUT', url: `/api/v1/files/${id}/content`, headers: { ...AUTH, 'content-type': 'application/json' }, payload: json });
    expect(inj.statusCode).toBe(200);
    expect(inj.json().sha256).toBe(sha(json));
    const down = await t.app.inject({ url: `/api/v1/files/${id}/content`, headers: AUTH });
    expect(down.rawPayload.equals(json)).toBe(true);

    const id2 = await newFile();
    const parts = [randomBytes(1000), randomBytes(2000), randomBytes(3000)];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of parts) c.enqueue(p);
        c.close();
      },
    });
    const put = await fetch(`${base}/api/v1/files/${id2}/content`, { method: 'PUT', headers: { ...AUTH, 'content-type': 'application/octet-stream' }, body: stream, duplex: 'half' } as RequestInit);
    expect(put.status).toBe(200);
    expect(((await put.json()) as { sha256: string }).sha256).toBe(sha(Buffer.concat(parts)));
  });

  it('answers 404 for content that was never uploaded', async () => {
    const id = await newFile();
    const res = await t.app.inject({ url: `/api/v1/files/${id}/content`, headers: AUTH });
    expect(res.statusCode).toBe(404);
    expectErrorShape(res.json());
  });
});

describe('size limit', () => {
  it('rejects an over-limit upload with 413 and leaves no file behind (declared length and chunked)', async () => {
    const id = await newFile();
    const before = filesOnDisk().sort();
    const declared = await fetch(`${base}/api/v1/files/${id}/content`, { method: 'PUT', headers: { ...AUTH, 'content-type': 'application/octet-stream' }, body: randomBytes(LIMIT + 1) });
    expect(declared.status).toBe(413);
    expectErrorShape(await declared.json());

    // Chunked: the limit is only discovered while streaming; the partial file must be removed.
    const chunk = randomBytes(16 * 1024);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= LIMIT * 2) return c.close();
        sent += chunk.length;
        c.enqueue(chunk);
      },
    });
    const chunked = await fetch(`${base}/api/v1/files/${id}/content`, { method: 'PUT', headers: { ...AUTH, 'content-type': 'application/octet-stream' }, body: stream, duplex: 'half' } as RequestInit).catch((e: Error) => e);
    if (chunked instanceof Error) throw chunked;
    expect(chunked.status).toBe(413);
    expectErrorShape(await chunked.json());

    const inj = await t.app.inject({ method: 'PUT', url: `/api/v1/files/${id}/content`, headers: { ...AUTH, 'content-type': 'text/plain' }, payload: 'x'.repeat(LIMIT + 100) });
    expect(inj.statusCode).toBe(413);

    expect(filesOnDisk().sort()).toEqual(before);
    const meta = await t.app.inject({ url: `/api/v1/files/${id}`, headers: AUTH });
    expect(meta.json()).toMatchObject({ sha256: null, size_bytes: null, storage_key: null });
  });
});

describe('content addressing and delete', () => {
  it('shares one stored copy between identical uploads and removes it with the last reference', async () => {
    const content = randomBytes(5000);
    const a = await newFile();
    const b = await newFile();
    for (const id of [a, b]) {
      const r = await t.app.inject({ method: 'PUT', url: `/api/v1/files/${id}/content`, headers: { ...AUTH, 'content-type': 'application/octet-stream' }, payload: content });
      expect(r.statusCode).toBe(200);
    }
    const key = path.join(sha(content).slice(0, 2), sha(content).slice(2, 4), sha(content));
    expect(filesOnDisk().filter((f) => f === key)).toHaveLength(1);

    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/files/${a}`, headers: AUTH })).statusCode).toBe(204);
    expect(existsSync(path.join(filesDir, key))).toBe(true);
    expect((await t.app.inject({ url: `/api/v1/files/${b}/content`, headers: AUTH })).rawPayload.equals(content)).toBe(true);

    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/files/${b}`, headers: AUTH })).statusCode).toBe(204);
    expect(existsSync(path.join(filesDir, key))).toBe(false);
    expect((await t.app.inject({ url: `/api/v1/files/${b}`, headers: AUTH })).statusCode).toBe(404);
    const audit = await t.database.db.selectFrom('audit_logs').select('action').where('table_name', '=', 'file_attachments').where('record_id', '=', b).orderBy('id').execute();
    expect(audit.map((r) => r.action)).toEqual(['insert', 'update', 'delete']);
  });

  it('replacing content removes the old content when nothing else references it', async () => {
    const id = await newFile();
    const first = randomBytes(100);
    const second = randomBytes(200);
    await t.app.inject({ method: 'PUT', url: `/api/v1/files/${id}/content`, headers: { ...AUTH, 'content-type': 'application/octet-stream' }, payload: first });
    await t.app.inject({ method: 'PUT', url: `/api/v1/files/${id}/content`, headers: { ...AUTH, 'content-type': 'application/octet-stream' }, payload: second });
    const files = filesOnDisk();
    expect(files.some((f) => f.endsWith(sha(first)))).toBe(false);
    expect(files.some((f) => f.endsWith(sha(second)))).toBe(true);
  });
});
