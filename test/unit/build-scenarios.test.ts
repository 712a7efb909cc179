// The scenario bundles stay small: the build fails when zod, faker or server code (anything but
// the plain constants of server/domain) would end up inside a k6 VU.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildScenarios, SCENARIOS_OUT } from '../../load/build-scenarios';

const root = path.resolve(import.meta.dirname, '..', '..');

function entry(name: string, source: string): string {
  mkdirSync(path.join(root, '.data'), { recursive: true });
  const dir = mkdtempSync(path.join(root, '.data', 'bundle-check-'));
  const file = path.join(dir, `${name}.ts`);
  writeFileSync(file, source);
  return file;
}

describe('buildScenarios', () => {
  it('bundles the real scenarios with nothing from node_modules or the server beyond plain constants', async () => {
    const built = await buildScenarios();
    expect(built.map((b) => b.name).sort()).toEqual(['capacity-step', 'level', 'users']);
    for (const b of built) expect(b.bytes).toBeLessThan(100_000);
  });

  it.each([
    ['zod', `import { z } from 'zod';\nexport default function () { z.string().parse('x'); }\n`],
    ['faker', `import { faker } from '@faker-js/faker';\nexport default function () { faker.person.firstName(); }\n`],
    ['a zod schema from the server', `import { CreateMemberBody } from '${root}/server/domain/members';\nexport default function () { CreateMemberBody.parse({}); }\n`],
  ])('fails when a scenario imports %s as a value, and writes no bundle', async (_what, source) => {
    const name = `bad-${Math.random().toString(36).slice(2)}`;
    await expect(buildScenarios([entry(name, source)])).rejects.toThrow(/must not run inside k6 VUs/);
    expect(existsSync(path.join(SCENARIOS_OUT, `${name}.js`))).toBe(false);
  });

  it('allows type-only imports of server schemas', async () => {
    const file = entry('ok', `import type { CreateMemberInput } from '${root}/server/domain/members';\nconst m: Partial<CreateMemberInput> = {};\nexport default function () { return m; }\n`);
    await expect(buildScenarios([file])).resolves.toHaveLength(1);
  });
});
