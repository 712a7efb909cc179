// Enum labels shared by the database (PostgreSQL enum types), the API, the seeds and the k6
// scenarios. Plain constants only: scenarios import these, so nothing here may pull in a library.

export const ORG_TYPES = ['employer', 'union', 'training_partner', 'jatc'] as const;
export type OrgType = (typeof ORG_TYPES)[number];

export const MEMBER_STATUSES = ['active', 'inactive', 'suspended', 'retired', 'deceased'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export const MEMBER_CLASSIFICATIONS = [
  'apprentice_1',
  'apprentice_2',
  'apprentice_3',
  'apprentice_4',
  'apprentice_5',
  'journeyman',
  'residential_wireman',
  'installer_technician',
  'lineman',
] as const;
export type MemberClassification = (typeof MEMBER_CLASSIFICATIONS)[number];

export const MEMBERSHIP_CLASSES = ['a', 'ba'] as const;
export type MembershipClass = (typeof MEMBERSHIP_CLASSES)[number];

export const STUDENT_STATUSES = ['applicant', 'enrolled', 'on_leave', 'completed', 'dropped', 'dismissed'] as const;
export type StudentStatus = (typeof STUDENT_STATUSES)[number];

export const FILE_OWNER_TYPES = ['member', 'organization', 'student', 'grievance'] as const;
export type FileOwnerType = (typeof FILE_OWNER_TYPES)[number];

/** Hourly rate bounds, enforced by a CHECK constraint and by the API schema. */
export const HOURLY_RATE_MIN = 10;
export const HOURLY_RATE_MAX = 250;
