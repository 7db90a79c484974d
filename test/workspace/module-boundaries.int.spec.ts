import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '../..');

/**
 * The layer rules live in eslint.config.mjs; this proves they bite. Each case lints a small
 * in-memory file as if it sat at the given path, so nothing is written to the tree.
 */
describe('module boundaries (eslint + @nx/enforce-module-boundaries)', () => {
  let eslint: ESLint;
  before(() => {
    process.env['NX_DAEMON'] = 'false';
    // The Nx rule skips itself when no project graph is cached (a fresh clone): compute it first.
    execFileSync('nx', ['show', 'projects'], {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    eslint = new ESLint({ cwd: root });
  });

  const lint = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return (result?.messages ?? []).filter((m) => m.severity === 2);
  };
  const ruleIds = async (file: string, code: string) => (await lint(file, code)).map((m) => m.ruleId);

  it('forbids domain -> infrastructure library imports', async () => {
    const errors = await lint(
      'libs/triage/domain/src/boundary-probe.ts',
      "import { SqliteEventStore } from '@ringback/event-store-sqlite';\nexport const x = SqliteEventStore;\n",
    );
    assert.ok(
      errors.some((e) => e.ruleId === '@nx/enforce-module-boundaries'),
      JSON.stringify(errors),
    );
  });

  it('forbids domain -> I/O packages (kafkajs, mongoose, node:sqlite)', async () => {
    for (const pkg of ['kafkajs', 'mongoose', 'node:sqlite']) {
      const ids = await ruleIds(
        'libs/shared/kernel/src/boundary-probe.ts',
        `import * as m from '${pkg}';\nexport const x = m;\n`,
      );
      assert.ok(
        ids.includes('@nx/enforce-module-boundaries') || ids.includes('no-restricted-imports'),
        `${pkg} should be banned in domain code`,
      );
    }
  });

  it("forbids a service importing another service's domain", async () => {
    const errors = await lint(
      'services/triage/src/boundary-probe.ts',
      "import * as other from '@ringback/scheduling-domain';\nexport const x = other;\n",
    );
    assert.ok(
      errors.some((e) => e.ruleId === '@nx/enforce-module-boundaries'),
      JSON.stringify(errors),
    );
  });

  it('forbids reading the system clock in domain code', async () => {
    const ids = await ruleIds('libs/triage/domain/src/boundary-probe.ts', 'export const now = Date.now();\n');
    assert.ok(ids.includes('no-restricted-properties'));
  });

  it('allows what the architecture allows (control cases)', async () => {
    assert.deepEqual(
      await lint(
        'services/triage/src/boundary-probe.ts',
        "import * as d from '@ringback/triage-domain';\nimport * as c from '@ringback/contracts';\nexport const x = [d, c];\n",
      ),
      [],
    );
    assert.deepEqual(
      await lint(
        'libs/platform/event-store-sqlite/src/boundary-probe.ts',
        "import * as p from '@ringback/platform-core';\nexport const x = p;\n",
      ),
      [],
    );
  });
});
