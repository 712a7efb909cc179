// Data profiles: how many rows of each kind a seed produces. `stress` is the data set of the
// system loadlab replaces (10,000 members, ~430,000 jobs); `dev` is the same shape at 1/20 and is
// the default data of `make load-test`. --scale multiplies a profile's counts.

export const PROFILE_NAMES = ['dev', 'stress'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The largest --scale accepted: 100 × stress is 1,000,000 members and ~43 million jobs. */
export const MAX_SCALE = 100;

export interface Profile {
  name: ProfileName;
  scale: number;
  locations: number;
  instructors: number;
  employers: number;
  /** Unions, training partners and JATCs. */
  otherOrganizations: number;
  contactsPerOrganization: [number, number];
  members: number;
  /** Jobs per member: triangular on [min, max] with this mode (mean (1+100+28)/3 = 43). */
  jobsPerMember: { min: number; max: number; mode: number };
  /** Chance that a new job is with an employer the member worked for before. */
  returnToEmployerChance: number;
  students: number;
  /** Share of students who are also members (apprentices in the union). */
  studentsLinkedToMembers: number;
  studentsPerCohort: number;
  attachmentsPerMember: [number, number];
  attachmentsPerStudent: [number, number];
  attachmentsPerOrganization: [number, number];
  /** Grievances with files: one per this many members. */
  grievances: number;
  attachmentsPerGrievance: [number, number];
}

const STRESS: Omit<Profile, 'name' | 'scale'> = {
  locations: 250,
  instructors: 500,
  employers: 700,
  otherOrganizations: 50,
  contactsPerOrganization: [2, 4],
  members: 10_000,
  jobsPerMember: { min: 1, max: 100, mode: 28 },
  returnToEmployerChance: 0.2,
  students: 1_000,
  studentsLinkedToMembers: 0.3,
  studentsPerCohort: 20,
  attachmentsPerMember: [1, 20],
  attachmentsPerStudent: [5, 15],
  attachmentsPerOrganization: [2, 10],
  grievances: 500,
  attachmentsPerGrievance: [1, 6],
};

const PROFILE_FACTORS: Record<ProfileName, number> = { stress: 1, dev: 1 / 20 };

const COUNTED = ['locations', 'instructors', 'employers', 'otherOrganizations', 'members', 'students', 'grievances'] as const;

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/** The profile's counts multiplied by its factor and by `scale`; every entity keeps at least one row. */
export function resolveProfile(name: string, scale = 1): Profile {
  if (!isProfileName(name)) throw new RangeError(`unknown profile '${name}' (choose ${PROFILE_NAMES.join(' or ')})`);
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`scale must be a number above 0, got ${scale}`);
  if (scale > MAX_SCALE) throw new RangeError(`scale ${scale} is too large (at most ${MAX_SCALE})`);
  const factor = PROFILE_FACTORS[name] * scale;
  const profile: Profile = { ...STRESS, name, scale };
  for (const key of COUNTED) profile[key] = Math.max(1, Math.round(STRESS[key] * factor));
  return profile;
}

/** Expected row counts (for progress bars), from the distributions' means. */
export function expectedRows(p: Profile): Record<string, number> {
  const mean = ([a, b]: [number, number]) => (a + b) / 2;
  const orgs = p.employers + p.otherOrganizations;
  const { min, max, mode } = p.jobsPerMember;
  return {
    locations: p.locations,
    instructors: p.instructors,
    organizations: orgs,
    organization_contacts: Math.round(orgs * mean(p.contactsPerOrganization)),
    members: p.members,
    member_employments: Math.round((p.members * (min + max + mode)) / 3),
    cohorts: Math.ceil(p.students / p.studentsPerCohort),
    students: p.students,
    file_attachments: Math.round(
      p.members * mean(p.attachmentsPerMember) +
        p.students * mean(p.attachmentsPerStudent) +
        orgs * mean(p.attachmentsPerOrganization) +
        p.grievances * mean(p.attachmentsPerGrievance),
    ),
  };
}
