// Route templates of the HTTP contract. Plain string constants (no library imports): the k6
// scenarios import these to name requests by template, and the server registers them.
export const API_PREFIX = '/api/v1';

export const ROUTES = {
  members: '/members',
  member: '/members/:id',
  memberEmployments: '/members/:id/employments',
  employment: '/employments/:id',
  organizations: '/organizations',
  organization: '/organizations/:id',
  organizationContacts: '/organizations/:id/contacts',
  organizationPrimaryContact: '/organizations/:id/primary-contact',
  cohorts: '/cohorts',
  cohort: '/cohorts/:id',
  students: '/students',
  student: '/students/:id',
  instructors: '/instructors',
  instructor: '/instructors/:id',
  locations: '/locations',
  location: '/locations/:id',
  memberFiles: '/members/:id/files',
  organizationFiles: '/organizations/:id/files',
  studentFiles: '/students/:id/files',
  file: '/files/:id',
  fileContent: '/files/:id/content',
  stats: '/stats',
} as const;

export type RouteName = keyof typeof ROUTES;
