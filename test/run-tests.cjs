#!/usr/bin/env node
// The README's test command: lint, typecheck, then every suite in one node:test run, with a real
// Kafka broker and FerretDB started for the integration suites and stopped afterwards.
//   npm test            everything (infra included)
//   npm test -- --unit  only *.unit.spec.ts, no infra
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

require('./infra/node-check.cjs');

const root = path.resolve(__dirname, '..');
const unitOnly = process.argv.includes('--unit');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0' };

function run(label, cmd, args, opts = {}) {
  const started = Date.now();
  console.log(`\n=== ${label}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, ...opts });
  console.log(
    `=== ${label}: ${r.status === 0 ? 'ok' : `failed (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return r.status === 0;
}

function specFiles() {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (
        ['node_modules', 'results', '.data', '.nx', 'dist', '.infra-cache', '.infra-run', '.git'].includes(
          entry.name,
        )
      )
        continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (unitOnly ? entry.name.endsWith('.unit.spec.ts') : entry.name.endsWith('.spec.ts'))
        out.push(path.relative(root, full));
    }
  };
  for (const top of ['libs', 'services', 'test', 'bench']) walk(path.join(root, top));
  return out.sort();
}

const tapFile = path.join(require('node:os').tmpdir(), `ringback-tests-${process.pid}.tap`);

/** The closing counts of the node:test run, from its TAP report. */
function summary() {
  try {
    const tap = fs.readFileSync(tapFile, 'utf8');
    const count = (name) => Number((new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap) || [])[1] || 0);
    return { passed: count('pass'), failed: count('fail') + count('cancelled'), skipped: count('skipped') };
  } catch {
    return null;
  } finally {
    fs.rmSync(tapFile, { force: true });
  }
}

let infraUp = false;
function stopInfra() {
  if (!infraUp) return;
  infraUp = false;
  spawnSync('bash', ['test/infra/infra.sh', 'down'], { cwd: root, stdio: 'inherit', env });
}
process.on('SIGINT', () => {
  stopInfra();
  process.exit(130);
});
process.on('SIGTERM', () => {
  stopInfra();
  process.exit(143);
});

let ok = true;
try {
  // @nx/enforce-module-boundaries silently skips itself without a cached project graph (fresh clone).
  ok =
    run('project graph (nx show projects)', 'nx', ['show', 'projects'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    }) && ok;
  ok = run('lint (eslint, module boundaries)', 'eslint', ['--max-warnings=-1', '.']) && ok;
  ok = run('format (prettier --check)', 'prettier', ['--check', '--log-level=warn', '.']) && ok;
  ok = run('typecheck (tsc --noEmit, strict)', 'tsc', ['-p', 'tsconfig.json', '--noEmit']) && ok;

  if (!unitOnly) {
    console.log('\n=== infrastructure: real Kafka (KRaft) and FerretDB on loopback');
    const out = execFileSync('bash', ['test/infra/infra.sh', 'up'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    }).toString();
    process.stdout.write(out);
    infraUp = true;
    for (const line of out.split('\n')) {
      const m = /^(KAFKA_BROKERS|MONGO_URL)=(.+)$/.exec(line.trim());
      if (m) env[m[1]] = m[2];
    }
    if (!env.KAFKA_BROKERS || !env.MONGO_URL)
      throw new Error('infra.sh up did not report KAFKA_BROKERS and MONGO_URL');
    // Helm for the chart tests, built with `go install` into .infra-cache/ (once; a few minutes).
    const helm = execFileSync('bash', ['test/infra/helm.sh', 'fetch'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    }).toString();
    const helmPath = /^HELM=(.+)$/m.exec(helm);
    if (!helmPath) throw new Error('helm.sh fetch did not report HELM');
    env.HELM = helmPath[1].trim();
    // From here a missing server is a failure, never a skip.
    env.RINGBACK_REQUIRE_INFRA = '1';
  }

  const files = specFiles();
  console.log(`\n=== ${files.length} spec files`);
  ok =
    run('tests (node:test)', 'node', [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      `--test-concurrency=${process.env.RINGBACK_TEST_CONCURRENCY ?? '2'}`,
      '--test-timeout=240000',
      ...files,
    ]) && ok;
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  ok = false;
} finally {
  stopInfra();
}
const counts = summary();
if (counts)
  console.log(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(ok ? 0 : 1);
