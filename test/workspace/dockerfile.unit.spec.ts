import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

// No Docker engine here to build it: these checks read deploy/docker/Dockerfile as Docker would.
const root = path.resolve(__dirname, '../..');
const text = readFileSync(path.join(root, 'deploy/docker/Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface Instruction {
  op: string;
  args: string;
}

/** Instructions in order: comments dropped, `\` continuations joined. */
function instructions(source: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const m = /^([A-Z]+)\s+(.*)$/.exec(full);
    assert.ok(m, `not an instruction: ${full}`);
    out.push({ op: m[1]!, args: m[2]! });
  }
  return out;
}

const all = instructions(text);
const args = Object.fromEntries(
  all.filter((i) => i.op === 'ARG' && i.args.includes('=')).map((i) => i.args.split('=') as [string, string]),
);
const stages: Instruction[][] = [];
for (const i of all) {
  if (i.op === 'FROM') stages.push([]);
  stages.at(-1)?.push(i);
}
const final = stages.at(-1) ?? [];
const resolve = (s: string) => s.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? `\${${name}}`);

describe('deploy/docker/Dockerfile', () => {
  it('is multi-stage on Node 24 slim, the major the project pins', () => {
    assert.ok(stages.length >= 2, 'multi-stage');
    const major = /(\d+)/.exec(pkg.engines.node)?.[1];
    assert.equal(
      readFileSync(path.join(root, '.nvmrc'), 'utf8').trim().split('.')[0]?.replace('v', ''),
      major,
    );
    for (const from of all.filter((i) => i.op === 'FROM'))
      assert.match(resolve(from.args), new RegExp(`^node:${major}-slim\\b`), from.args);
  });

  it('installs production dependencies only, from the lockfile', () => {
    const install = all.find((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    assert.ok(install, 'npm ci');
    assert.match(install.args, /--omit=dev/);
    assert.ok(
      all.some((i) => i.op === 'COPY' && /package-lock\.json/.test(i.args)),
      'the lockfile is copied',
    );
    assert.ok(!all.some((i) => i.op === 'RUN' && /npm (install|i)\b/.test(i.args)), 'never npm install');
  });

  it('never loads a devDependency at run time (what --omit=dev leaves out)', () => {
    // Every source file a service process may load: under a project's src/, minus specs, test fixtures
    // and the testing library (none of which the image carries).
    const runtimeFiles: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const full = path.join(dir, entry);
        const rel = path.relative(root, full);
        if (
          ['node_modules', 'test-fixtures'].includes(entry) ||
          rel === path.join('libs', 'platform', 'testing')
        )
          continue;
        if (statSync(full).isDirectory()) walk(full);
        else if (/\/src\//.test(rel) && entry.endsWith('.ts') && !entry.endsWith('.spec.ts'))
          runtimeFiles.push(full);
      }
    };
    walk(path.join(root, 'libs'));
    walk(path.join(root, 'services'));
    assert.ok(runtimeFiles.length > 50);
    const bad: string[] = [];
    for (const file of runtimeFiles) {
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)) {
        const spec = m[1]!;
        if (spec.startsWith('.') || spec.startsWith('node:') || spec.startsWith('@ringback/')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!pkg.dependencies[name]) bad.push(`${path.relative(root, file)}: ${name}`);
      }
    }
    assert.deepEqual(bad, [], 'runtime imports of packages missing from dependencies');
  });

  it('runs as a fixed non-root user, read-only-root friendly', () => {
    const user = final.filter((i) => i.op === 'USER').at(-1);
    assert.ok(user, 'USER in the final stage');
    const uid = Number(user.args.split(':')[0]);
    assert.ok(Number.isInteger(uid) && uid > 0, `numeric non-root uid (got ${user.args})`);
    const env = final
      .filter((i) => i.op === 'ENV')
      .map((i) => i.args)
      .join(' ');
    assert.match(env, /DATA_DIR=\/data\b/);
    const volumes = final.find((i) => i.op === 'VOLUME');
    assert.deepEqual(JSON.parse(volumes?.args ?? '[]'), ['/data', '/tmp'], 'only /data and /tmp are written');
    // The code is not the user's to change: nothing is copied with --chown to it.
    assert.ok(!final.some((i) => i.op === 'COPY' && /--chown/.test(i.args)));
  });

  it('checks its health on /healthz and lets Node, as PID 1, handle SIGTERM', () => {
    const health = final.find((i) => i.op === 'HEALTHCHECK');
    assert.ok(health);
    assert.match(health.args, /\/healthz/);
    assert.match(health.args, /--interval=\d+s/);
    assert.equal(final.find((i) => i.op === 'STOPSIGNAL')?.args, 'SIGTERM');
    const cmd = final.filter((i) => i.op === 'CMD').at(-1);
    assert.ok(cmd);
    const argv = JSON.parse(cmd.args) as string[];
    assert.equal(argv[0], 'node', 'exec form with node itself (no npm or shell between it and the signal)');
    const imports = argv.indexOf('--import');
    assert.ok(imports > 0 && argv[imports + 1] === 'tsx', 'TypeScript through tsx');
    assert.match(final.map((i) => i.args).join('\n'), /SHUTDOWN_DRAIN_MS=\d+/);
  });

  it('builds any service of services/*/ by the SERVICE argument', () => {
    assert.ok(all.some((i) => i.op === 'ARG' && i.args === 'SERVICE'));
    const build = all.find((i) => i.op === 'RUN' && i.args.includes('services/${SERVICE}/src/main.ts'));
    assert.ok(build, 'the build refuses an unknown SERVICE');
    const dockerignore = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', '.git', '.infra-cache', '.infra-run', '.data'])
      assert.ok(dockerignore.includes(p), p);
  });
});
