// Pure parts of the seeder: COPY text encoding, unique-by-construction member numbers, the
// seeded PRNG, day arithmetic and profile scaling.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayToIso, isoToDay, timestampAt } from '../../seeds/calendar';
import { arrayLiteral, encodeCopyRow, encodeCopyValue } from '../../seeds/copy-writer';
import { memberNumber } from '../../seeds/generators';
import { expectedRows, resolveProfile } from '../../seeds/profiles';
import { Random } from '../../seeds/random';

/** The inverse of COPY text escaping, as PostgreSQL reads it. */
function decodeCopyText(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', '\\': '\\' })[c] ?? c);
}

describe('COPY text encoding', () => {
  it('round-trips any string and never emits a raw tab or newline', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const encoded = encodeCopyValue(s);
        expect(encoded).not.toMatch(/[\t\n\r]/);
        expect(decodeCopyText(encoded)).toBe(s);
      }),
    );
  });

  it('encodes null, booleans, numbers and text arrays', () => {
    expect(encodeCopyRow([1, null, true, false, 12.5, ['solar pv', 'a"b']])).toBe('1\t\\N\tt\tf\t12.5\t{"solar pv","a\\\\"b"}\n');
    expect(arrayLiteral(['x\\y'])).toBe('{"x\\\\y"}');
    expect(() => encodeCopyValue(Number.NaN)).toThrow(/non-finite/);
  });
});

describe('member numbers', () => {
  it('are unique 7-digit numbers by construction', () => {
    for (const seed of [0, 46, 123456]) {
      const seen = new Set<string>();
      for (let i = 0; i < 200_000; i++) seen.add(memberNumber(i, seed));
      expect(seen.size).toBe(200_000);
      expect([...seen].every((n) => /^[1-9]\d{6}$/.test(n))).toBe(true);
    }
  });
});

describe('Random', () => {
  it('repeats for the same seed and stream, differs otherwise', () => {
    const draw = (seed: number, stream: string) => {
      const r = new Random(seed, stream);
      return Array.from({ length: 5 }, () => r.nextUint32());
    };
    expect(draw(1, 'members')).toEqual(draw(1, 'members'));
    expect(draw(1, 'members')).not.toEqual(draw(2, 'members'));
    expect(draw(1, 'members')).not.toEqual(draw(1, 'students'));
  });

  it('draws a triangular distribution with the expected mean and bounds', () => {
    const r = new Random(46, 'tri');
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < 100_000; i++) {
      const x = r.triangular(1, 100, 28);
      sum += x;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    expect(sum / 100_000).toBeCloseTo(43, 0);
    expect(lo).toBeGreaterThanOrEqual(1);
    expect(hi).toBeLessThanOrEqual(100);
  });
});

describe('calendar', () => {
  it('converts days and timestamps without time zones', () => {
    expect(dayToIso(isoToDay('2024-02-29'))).toBe('2024-02-29');
    expect(timestampAt(isoToDay('2026-11-22'), 3661)).toBe('2026-11-22T01:01:01Z');
    expect(() => isoToDay('2026-13-01')).toThrow(/not a calendar date/);
  });
});

describe('profiles', () => {
  it('stress is the issue shape; dev is 1/20; --scale multiplies', () => {
    const stress = resolveProfile('stress');
    expect([stress.locations, stress.instructors, stress.employers, stress.otherOrganizations, stress.students, stress.members]).toEqual([250, 500, 700, 50, 1000, 10000]);
    expect(expectedRows(stress).member_employments).toBe(430_000);
    const dev = resolveProfile('dev');
    expect(dev.members).toBe(500);
    expect(resolveProfile('stress', 2).members).toBe(20_000);
    expect(resolveProfile('dev', 0.0001).employers).toBe(1);
    expect(() => resolveProfile('stress', 0)).toThrow(/above 0/);
    expect(() => resolveProfile('big')).toThrow(/unknown profile/);
  });
});

describe('bench CSV reader', () => {
  it('reads PostgreSQL CSV: NULL is an unquoted empty field, "" an empty string, quotes doubled', async () => {
    const { parseCsv } = await import('../../load/bench/seed-bench');
    const { header, rows } = parseCsv('id,name,notes\n1,"Smith, ""JJ""",\n2,"",x\n3,"two\nlines",\n');
    expect(header).toEqual(['id', 'name', 'notes']);
    expect(rows).toEqual([
      ['1', 'Smith, "JJ"', null],
      ['2', '', 'x'],
      ['3', 'two\nlines', null],
    ]);
  });
});
