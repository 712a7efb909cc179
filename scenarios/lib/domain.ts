// The one place scenarios reach into server/domain for values: plain constants only (route
// templates, enum labels). The bundle check in load/build-scenarios.ts fails if anything else
// from the server (zod schemas, repositories) ends up inside a VU.
export { API_PREFIX, ROUTES } from '../../server/domain/routes';
export { MEMBER_CLASSIFICATIONS, MEMBER_STATUSES } from '../../server/domain/enums';
