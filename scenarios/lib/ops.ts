// Every operation of the design. Each call makes exactly ONE tagged request (`op` + route-template
// `name`), so a user doing N operations sends exactly N requests. A user's own rows (members, jobs,
// files it created) live in per-VU state: updates touch only the user's own rows, so every
// acknowledged write can be verified exactly after the run. When an operation has nothing to work
// on yet (no own member to update), the user does the operation that creates it instead, and the
// request is tagged with what was really done.
import { MEMBER_CLASSIFICATIONS, MEMBER_STATUSES, ROUTES } from './domain';
import type { DataPool } from './data';
import { pick } from './data';
import type { Client, Method, RequestOptions } from './http';
import { jsonOf } from './http';
import { ackWrite, harnessErrors, observeResponse } from './metrics';
import type { Operation } from './patterns';

/** Job timeline of an own member, in days after 2000-01-01 (its hire date): ended jobs fill days
 *  1..CURRENT_FROM-1 in 90-day blocks; current jobs start at CURRENT_FROM and later. */
const CURRENT_FROM = 9_000;
const DAY_MS = 86_400_000;
const EPOCH_2000 = Date.UTC(2000, 0, 1);
const dayToDate = (day: number) => new Date(EPOCH_2000 + day * DAY_MS).toISOString().slice(0, 10);

export interface OwnMember {
  id: number;
  nextEndedStart: number;
  nextCurrentStart: number;
  currentJobId?: number;
}

export interface UserState {
  vu: number;
  runTag: string;
  seq: number;
  members: OwnMember[];
  files: number[];
  uploaded: number[];
}

export interface OpContext {
  client: Client;
  pool: DataPool;
  user: UserState;
  /** Extra tags on every request (user kind, and vu when asked for). */
  tags: Record<string, string>;
  /** Filler of upload_file_content's bodies (built lazily, once per VU; each body gets its own first line). */
  uploadBody: () => string;
}

export function newUserState(vu: number, runTag: string): UserState {
  return { vu, runTag, seq: 0, members: [], files: [], uploaded: [] };
}

function send(ctx: OpContext, op: Operation, method: Method, template: string, path: string, o: RequestOptions = {}) {
  const res = ctx.client.request(op, method, template, path, { ...o, tags: ctx.tags });
  observeResponse(res as never, { ...ctx.tags, op });
  return res;
}

/** A read of an id the harness sampled must not 404: if it does, the harness is wrong. */
function readSampled(ctx: OpContext, op: Operation, template: string, path: string): void {
  const res = send(ctx, op, 'GET', template, path);
  if (res.status === 404) harnessErrors.add(1, { op });
}

const created = (status: number) => status === 200 || status === 201;

function createMember(ctx: OpContext): void {
  const name = pick(ctx.pool.names);
  ctx.user.seq += 1;
  const memberNumber = `${ctx.user.runTag}-${ctx.user.vu}-${ctx.user.seq}`;
  const res = send(ctx, 'create_member', 'POST', ROUTES.members, '/members', {
    json: {
      member_number: memberNumber,
      first_name: name.first_name,
      last_name: name.last_name,
      classification: 'apprentice_1',
      date_of_birth: '1980-06-15',
      hire_date: '2000-01-01',
    },
  });
  const body = jsonOf<{ id: number }>(res);
  if (res.status !== 201 || !body) return;
  ackWrite('create_member', `member:${body.id}`, `member_number=${memberNumber}`);
  ctx.user.members.push({ id: body.id, nextEndedStart: 1, nextCurrentStart: CURRENT_FROM });
}

function anyOf<T>(items: T[]): T | undefined {
  return items.length ? items[Math.floor(Math.random() * items.length)] : undefined;
}

function updateMember(ctx: OpContext): void {
  const m = anyOf(ctx.user.members);
  if (!m) return createMember(ctx);
  ctx.user.seq += 1;
  const city = `City-${ctx.user.vu}-${ctx.user.seq}`;
  const res = send(ctx, 'update_member', 'PATCH', ROUTES.member, `/members/${m.id}`, { json: { city } });
  if (res.status === 200) ackWrite('update_member', `member:${m.id}`, `city=${city}`);
}

function createEmployment(ctx: OpContext): void {
  // Prefer a member without a current job (gets its current job); otherwise add an ended job to
  // one that still has room in its history; otherwise create a member.
  const withoutCurrent = ctx.user.members.filter((x) => x.currentJobId === undefined);
  const withRoom = ctx.user.members.filter((x) => x.nextEndedStart + 90 < CURRENT_FROM);
  const m = anyOf(withoutCurrent) ?? anyOf(withRoom);
  if (!m) return createMember(ctx);
  const current = m.currentJobId === undefined;
  const start = current ? m.nextCurrentStart : m.nextEndedStart;
  const json: Record<string, unknown> = {
    organization_id: pick(ctx.pool.employerIds.length ? ctx.pool.employerIds : ctx.pool.organizationIds),
    start_date: dayToDate(start),
    job_title: 'Inside Wireman',
    hourly_rate: 42.5,
  };
  if (!current) json.end_date = dayToDate(start + 89);
  const res = send(ctx, 'create_employment', 'POST', ROUTES.memberEmployments, `/members/${m.id}/employments`, { json });
  const body = jsonOf<{ id: number }>(res);
  if (res.status !== 201 || !body) return;
  ackWrite('create_employment', `employment:${m.id}:${body.id}`, current ? 'end_date=null' : `end_date=${json.end_date as string}`);
  if (current) m.currentJobId = body.id;
  else m.nextEndedStart = start + 90;
}

function endEmployment(ctx: OpContext): void {
  const m = ctx.user.members.find((x) => x.currentJobId !== undefined);
  if (!m) return createEmployment(ctx);
  const end = dayToDate(m.nextCurrentStart + 30);
  const res = send(ctx, 'end_employment', 'PATCH', ROUTES.employment, `/employments/${m.currentJobId}`, { json: { end_date: end } });
  if (res.status !== 200) return;
  ackWrite('end_employment', `employment:${m.id}:${m.currentJobId}`, `end_date=${end}`);
  m.nextCurrentStart += 40;
  m.currentJobId = undefined;
}

function createOrgContact(ctx: OpContext): void {
  const orgId = pick(ctx.pool.organizationIds);
  const name = pick(ctx.pool.names);
  const res = send(ctx, 'create_org_contact', 'POST', ROUTES.organizationContacts, `/organizations/${orgId}/contacts`, {
    json: { first_name: name.first_name, last_name: name.last_name, title: 'Project Manager' },
  });
  const body = jsonOf<{ id: number }>(res);
  if (res.status === 201 && body) ackWrite('create_org_contact', `contact:${orgId}:${body.id}`, 'exists');
}

function createFileAttachment(ctx: OpContext): void {
  const memberId = pick(ctx.pool.memberIds);
  ctx.user.seq += 1;
  const res = send(ctx, 'create_file_attachment', 'POST', ROUTES.memberFiles, `/members/${memberId}/files`, {
    json: { file_name: `scan-${ctx.user.vu}-${ctx.user.seq}.pdf`, mime_type: 'application/pdf', category: 'dispatch' },
  });
  const body = jsonOf<{ id: number }>(res);
  if (res.status !== 201 || !body) return;
  ackWrite('create_file_attachment', `file:${body.id}`, 'exists');
  ctx.user.files.push(body.id);
}

function uploadFileContent(ctx: OpContext): void {
  const id = ctx.user.files.find((f) => !ctx.user.uploaded.includes(f)) ?? anyOf(ctx.user.files);
  if (id === undefined) return createFileAttachment(ctx);
  // Each upload is a different file (as real ones are): identical bodies would all queue on the
  // one advisory lock of their shared sha256.
  ctx.user.seq += 1;
  const res = send(ctx, 'upload_file_content', 'PUT', ROUTES.fileContent, `/files/${id}/content`, {
    raw: { body: `${ctx.user.runTag}-${ctx.user.vu}-${ctx.user.seq}\n${ctx.uploadBody()}`, contentType: 'application/pdf' },
  });
  const body = jsonOf<{ sha256: string }>(res);
  if (created(res.status) && body?.sha256) {
    ackWrite('upload_file_content', `file:${id}`, `sha256=${body.sha256}`);
    if (!ctx.user.uploaded.includes(id)) ctx.user.uploaded.push(id);
  }
}

export function runOperation(op: Operation, ctx: OpContext): void {
  switch (op) {
    case 'read_member_list':
      send(ctx, op, 'GET', ROUTES.members, `/members?limit=20&offset=${Math.floor(Math.random() * 20) * 20}`);
      return;
    case 'read_member_detail':
      return readSampled(ctx, op, ROUTES.member, `/members/${pick(ctx.pool.memberIds)}`);
    case 'search_members': {
      const r = Math.random();
      const q =
        r < 0.34
          ? `status=${MEMBER_STATUSES[Math.floor(Math.random() * 3)]}`
          : r < 0.67
            ? `classification=${pick(MEMBER_CLASSIFICATIONS)}`
            : `q=${encodeURIComponent(pick(ctx.pool.searchPrefixes))}`;
      send(ctx, op, 'GET', ROUTES.members, `/members?${q}&limit=20`);
      return;
    }
    case 'list_organizations':
      send(ctx, op, 'GET', ROUTES.organizations, `/organizations?type=employer&limit=20&offset=${Math.floor(Math.random() * 10) * 20}`);
      return;
    case 'list_students':
      send(ctx, op, 'GET', ROUTES.students, `/students?limit=20&offset=${Math.floor(Math.random() * 5) * 20}`);
      return;
    case 'list_file_attachments':
      return readSampled(ctx, op, ROUTES.memberFiles, `/members/${pick(ctx.pool.memberIds)}/files`);
    case 'read_file_metadata': {
      const id = anyOf(ctx.user.files) ?? (ctx.pool.fileIds.length ? pick(ctx.pool.fileIds) : undefined);
      if (id === undefined) return createFileAttachment(ctx);
      return readSampled(ctx, op, ROUTES.file, `/files/${id}`);
    }
    case 'download_file_content': {
      const id = anyOf(ctx.user.uploaded);
      if (id === undefined) return uploadFileContent(ctx);
      send(ctx, op, 'GET', ROUTES.fileContent, `/files/${id}/content`);
      return;
    }
    case 'create_member':
      return createMember(ctx);
    case 'update_member':
      return updateMember(ctx);
    case 'create_employment':
      return createEmployment(ctx);
    case 'end_employment':
      return endEmployment(ctx);
    case 'create_org_contact':
      return createOrgContact(ctx);
    case 'create_file_attachment':
      return createFileAttachment(ctx);
    case 'upload_file_content':
      return uploadFileContent(ctx);
  }
}
