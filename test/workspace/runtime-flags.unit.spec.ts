import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The soak measures the process as `npm start` launches it, so every launcher of a long-running
// service process must pass the same V8 flags, or a deployment runs something the soak did not
// measure. --no-memory-reducer: see "Runtime" in the README (a memory-reducer collection was the one
// long pause of a traced soak).
const root = path.resolve(__dirname, '../..');
const FLAGS = ['--no-memory-reducer'];
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

function assertFlags(where: string, command: string): void {
  for (const flag of FLAGS) assert.ok(command.includes(flag), `${where} lacks ${flag}: ${command}`);
}

describe('V8 flags of the service processes', () => {
  it('npm start and the soak pass them', () => {
    assertFlags('npm start', pkg.scripts['start'] ?? '');
    assertFlags('npm run soak', pkg.scripts['soak'] ?? '');
  });

  it("the image's CMD passes them", () => {
    const cmd = read('deploy/docker/Dockerfile')
      .split('\n')
      .find((line) => line.startsWith('CMD '));
    assert.ok(cmd, 'the Dockerfile has a CMD');
    assertFlags('Dockerfile CMD', cmd);
  });

  it('every service entrypoint is launched with them by nx serve and the distributed topology', () => {
    const services = readdirSync(path.join(root, 'services'));
    assert.ok(services.length >= 8, 'seven services and the all-in-one composition');
    for (const service of services) {
      const project = JSON.parse(read(`services/${service}/project.json`)) as {
        targets: { serve?: { options?: { command?: string } } };
      };
      const serve = project.targets.serve?.options?.command;
      assert.ok(serve?.includes(`services/${service}/src/main.ts`), `${service} has a serve target`);
      assertFlags(`nx serve ${service}`, serve ?? '');
    }
    // The argument list of the spawn that starts services/<name>/src/main.ts, whatever its layout.
    const topology = read('test/infra/topology/topology.ts');
    const spawnArgs = /\[([^\]]*)path\.join\(ROOT, 'services', proc\.service, 'src', 'main\.ts'\)/.exec(
      topology,
    );
    assert.ok(spawnArgs, 'the topology spawns services/<name>/src/main.ts');
    assertFlags('the topology', spawnArgs[1] ?? '');
  });

  it('the benchmarks start their system under test with them', () => {
    const execArgv = /const execArgv = \[([^\]]*)\]/.exec(read('bench/lib/ringback.ts'));
    assert.ok(execArgv, 'bench/lib/ringback.ts forks the host with an execArgv');
    assertFlags('the bench host', execArgv[1] ?? '');
  });
});
