// Date arithmetic on whole days (days since 1970-01-01, UTC): the seeder plans careers in day
// numbers and formats them once, so no time zone or clock ever enters the data.

export const DAY_MS = 86_400_000;
export const DAYS_PER_YEAR = 365.25;

// Formatting is cached by day: 1900-01-01 .. 2149-12-31 covers every date the seeder produces.
const CACHE_FIRST_DAY = -25_567;
const CACHE_DAYS = 91_311;
const isoCache: (string | undefined)[] = new Array(CACHE_DAYS);

/** Day number → 'YYYY-MM-DD'. */
export function dayToIso(day: number): string {
  const k = day - CACHE_FIRST_DAY;
  if (k >= 0 && k < CACHE_DAYS) return (isoCache[k] ??= new Date(day * DAY_MS).toISOString().slice(0, 10));
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 'YYYY-MM-DD' → day number; throws on anything else. */
export function isoToDay(iso: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) throw new RangeError(`not a YYYY-MM-DD date: ${iso}`);
  const ms = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== iso) throw new RangeError(`not a calendar date: ${iso}`);
  return ms / DAY_MS;
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));
const clockCache: (string | undefined)[] = new Array(86_400);

/** A timestamptz literal on `day` at `secondOfDay` UTC: 'YYYY-MM-DDTHH:MM:SSZ'. */
export function timestampAt(day: number, secondOfDay: number): string {
  const clock = (clockCache[secondOfDay] ??= `T${two(Math.floor(secondOfDay / 3600))}:${two(Math.floor((secondOfDay % 3600) / 60))}:${two(secondOfDay % 60)}Z`);
  return dayToIso(day) + clock;
}

export function yearOf(day: number): number {
  return new Date(day * DAY_MS).getUTCFullYear();
}
