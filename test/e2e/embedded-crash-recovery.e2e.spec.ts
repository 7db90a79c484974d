import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const fixture = path.join(__dirname, 'test-fixtures', 'embedded-crash-node.fixture.ts');

function startNode(mode: 'write' | 'verify', dataDir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode, dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const lines = createInterface({ input: child.stdout });
  return { child, lines, stderr: () => stderr };
}

describe('embedded node killed with SIGKILL while events flow', () => {
  it(
    'loses no acknowledged event and applies none twice, across three crashes',
    { timeout: 180_000 },
    async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-crash-'));
      try {
        const acked = new Set<string>();
        for (let round = 0; round < 3; round++) {
          const node = startNode('write', dataDir);
          const target = acked.size + 150 + round * 37; // kill at a different point each round
          await new Promise<void>((resolve, reject) => {
            node.child.on('exit', (code) =>
              reject(new Error(`writer exited early (${code}): ${node.stderr()}`)),
            );
            node.lines.on('line', (line) => {
              const m = /^ACK (\S+)$/.exec(line);
              if (!m) return;
              acked.add(m[1]!);
              if (acked.size >= target) resolve();
            });
          });
          node.child.removeAllListeners('exit');
          const exited = new Promise((r) => node.child.once('exit', r));
          node.child.kill('SIGKILL');
          await exited;
        }

        const verify = startNode('verify', dataDir);
        const [line] = await Promise.all([
          new Promise<string>((resolve) => verify.lines.once('line', resolve)),
          new Promise<void>((resolve, reject) =>
            verify.child.once('exit', (code) =>
              code === 0 ? resolve() : reject(new Error(`verify failed: ${verify.stderr()}`)),
            ),
          ),
        ]);
        const result = JSON.parse(line) as {
          eventIds: string[];
          storeCounts: Record<string, number>;
          projected: Record<string, number>;
          consumed: Record<string, number>;
          redelivered: number;
        };

        const stored = result.eventIds.length;
        const storedIds = new Set(result.eventIds);
        const lost = [...acked].filter((id) => !storedIds.has(id));
        assert.deepEqual(lost, [], 'acknowledged events missing after the crashes');
        assert.equal(new Set(result.eventIds).size, result.eventIds.length, 'an event id is stored twice');
        // Read model rebuilt from the store at start: each event applied exactly once.
        assert.deepEqual(result.projected, result.storeCounts);
        // A bus consumer with a durable side effect: every stored event applied exactly once, despite
        // the relay and consumer being killed mid-flight (redeliveries are absorbed, not re-applied).
        assert.deepEqual(result.consumed, result.storeCounts);
        console.log(`# stored ${stored} events over 3 crashes, ${result.redelivered} redeliveries absorbed`);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});
