// What the union's attachments look like: per owner type, the categories people file, each with a
// media kind whose extension, MIME type and size distribution belong together (camera photos
// 2.5–5.5 MB, scanned PDFs 0.2–2 MB, office documents 50 KB–5 MB), and the bytes written for it
// under --with-files (a real magic number, then deterministic filler).
import type { FileOwnerType } from '../server/domain/enums';
import type { Random } from './random';

export const KB = 1024;
export const MB = 1024 * 1024;

/** Extension → MIME type: the only pairs the seeder produces (a test checks every row against it). */
export const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

type MediaKind = 'camera_photo' | 'scanned_pdf' | 'pdf_document' | 'word_document' | 'spreadsheet';

interface MediaSpec {
  extension: keyof typeof MIME_BY_EXTENSION;
  /** Nominal size in bytes. */
  size(r: Random): number;
  /** First bytes of a real file of this type. */
  magic: Buffer;
}

/** Size ranges per kind, in bytes (the realism test reads these). */
export const SIZE_RANGES: Record<MediaKind, [number, number]> = {
  camera_photo: [2.5 * MB, 5.5 * MB],
  scanned_pdf: [200 * KB, 2 * MB],
  pdf_document: [50 * KB, 5 * MB],
  word_document: [50 * KB, 5 * MB],
  spreadsheet: [50 * KB, 5 * MB],
};

const ZIP_MAGIC = Buffer.from('504b030414000600', 'hex');
const MEDIA: Record<MediaKind, MediaSpec> = {
  // 12 MP phone/camera JPEGs: roughly uniform between 2.5 and 5.5 MB.
  camera_photo: { extension: 'jpg', size: (r) => Math.round(r.float(...SIZE_RANGES.camera_photo)), magic: Buffer.from('ffd8ffe000104a464946', 'hex') },
  // Scans: one to a few pages; many small, a tail of large ones.
  scanned_pdf: { extension: 'pdf', size: (r) => Math.round(r.logUniform(...SIZE_RANGES.scanned_pdf)), magic: Buffer.from('%PDF-1.4\n') },
  pdf_document: { extension: 'pdf', size: (r) => Math.round(r.logUniform(...SIZE_RANGES.pdf_document)), magic: Buffer.from('%PDF-1.7\n') },
  word_document: { extension: 'docx', size: (r) => Math.round(r.logUniform(...SIZE_RANGES.word_document)), magic: ZIP_MAGIC },
  spreadsheet: { extension: 'xlsx', size: (r) => Math.round(r.logUniform(...SIZE_RANGES.spreadsheet)), magic: ZIP_MAGIC },
};

interface Category {
  category: string;
  media: MediaKind;
  /** Human title used in file names and descriptions. */
  title: string;
  weight: number;
}

export const CATEGORIES: Record<FileOwnerType, Category[]> = {
  member: [
    { category: 'photo', media: 'camera_photo', title: 'Jobsite photo', weight: 3 },
    { category: 'id_document', media: 'scanned_pdf', title: 'ID document', weight: 2 },
    { category: 'certification', media: 'scanned_pdf', title: 'Certification', weight: 3 },
    { category: 'dispatch_slip', media: 'scanned_pdf', title: 'Dispatch slip', weight: 4 },
    { category: 'pay_stub', media: 'pdf_document', title: 'Pay stub', weight: 3 },
    { category: 'correspondence', media: 'word_document', title: 'Letter', weight: 2 },
    { category: 'training_record', media: 'spreadsheet', title: 'Training hours', weight: 1 },
  ],
  student: [
    { category: 'application', media: 'pdf_document', title: 'Application', weight: 2 },
    { category: 'transcript', media: 'scanned_pdf', title: 'Transcript', weight: 2 },
    { category: 'id_document', media: 'scanned_pdf', title: 'ID document', weight: 1 },
    { category: 'photo', media: 'camera_photo', title: 'Lab photo', weight: 2 },
    { category: 'evaluation', media: 'word_document', title: 'Evaluation', weight: 2 },
    { category: 'attendance', media: 'spreadsheet', title: 'Attendance', weight: 1 },
  ],
  organization: [
    { category: 'contract', media: 'pdf_document', title: 'Contract', weight: 2 },
    { category: 'insurance_certificate', media: 'scanned_pdf', title: 'Certificate of insurance', weight: 2 },
    { category: 'signatory_agreement', media: 'scanned_pdf', title: 'Letter of assent', weight: 1 },
    { category: 'site_photo', media: 'camera_photo', title: 'Site photo', weight: 1 },
    { category: 'correspondence', media: 'word_document', title: 'Correspondence', weight: 2 },
  ],
  grievance: [
    { category: 'grievance_form', media: 'scanned_pdf', title: 'Grievance form', weight: 2 },
    { category: 'evidence_photo', media: 'camera_photo', title: 'Evidence photo', weight: 3 },
    { category: 'correspondence', media: 'word_document', title: 'Step letter', weight: 2 },
    { category: 'settlement', media: 'pdf_document', title: 'Settlement', weight: 1 },
    { category: 'timesheet', media: 'spreadsheet', title: 'Timesheet', weight: 1 },
  ],
};

const WEIGHTED = Object.fromEntries(
  Object.entries(CATEGORIES).map(([owner, cats]) => [owner, cats.map((c) => [c, c.weight] as const)]),
) as Record<FileOwnerType, (readonly [Category, number])[]>;

export interface GeneratedFile {
  category: string;
  media: MediaKind;
  fileName: string;
  mimeType: string;
  sizeBytes: number;
  description: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** One attachment's metadata for an owner, dated `date` (YYYY-MM-DD). */
export function generateFile(r: Random, owner: FileOwnerType, date: string, subject: string): GeneratedFile {
  const cat = r.weighted(WEIGHTED[owner]);
  const spec = MEDIA[cat.media];
  const compact = date.replaceAll('-', '');
  let fileName: string;
  switch (cat.media) {
    case 'camera_photo':
      fileName = `IMG_${compact}_${pad(r.int(6, 18))}${pad(r.int(0, 59))}${pad(r.int(0, 59))}.jpg`;
      break;
    case 'scanned_pdf':
      fileName = r.chance(0.5) ? `scan_${compact}_${pad(r.int(1, 9999), 4)}.pdf` : `${cat.title} - ${subject} ${date}.pdf`;
      break;
    default:
      fileName = `${cat.title} - ${subject} ${date}.${spec.extension}`;
  }
  return {
    category: cat.category,
    media: cat.media,
    fileName,
    mimeType: MIME_BY_EXTENSION[spec.extension]!,
    sizeBytes: spec.size(r),
    description: `${cat.title} for ${subject}, ${date}`,
  };
}

/** Deterministic content for a file: the type's magic bytes, then filler from `r`, `size` bytes long. */
export function fileContent(r: Random, media: MediaKind, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  const magic = MEDIA[media].magic;
  const head = Math.min(size, magic.length);
  magic.copy(buf, 0, 0, head);
  let i = head;
  for (; i + 4 <= size; i += 4) buf.writeUInt32LE(r.nextUint32(), i);
  for (; i < size; i++) buf[i] = r.nextUint32() & 0xff;
  return buf;
}
