import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { io } from 'socket.io-client';
import { signDevToken } from '@ringback/auth';

const SECRET = 'gateway-shutdown-secret-long-enough-for-anything-42';

// What a pod gets on SIGTERM: readiness turns 503 at once while liveness and open sockets stay for
// SHUTDOWN_DRAIN_MS (the load balancer stops routing), then sockets are closed (clients reconnect
// elsewhere), consumers and stores close, and the process exits 0.
describe('gateway main.ts on SIGTERM', () => {
  it(
    'drains: not ready first, sockets kept through the drain, then closed, exit 0',
    { timeout: 90_000 },
    async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-gateway-drain-'));
      const child = spawn(process.execPath, ['--import', 'tsx', 'services/gateway/src/main.ts'], {
        cwd: process.cwd(),
        env: {
          PATH: process.env['PATH'] ?? '',
          MODE: 'embedded',
          NODE_ENV: 'test',
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          DATA_DIR: dataDir,
          AUTH_JWT_SECRET: SECRET,
          SHUTDOWN_DRAIN_MS: '2000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: Record<string, unknown>[] = [];
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const port = await new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`not listening within 60 s:\n${stderr}`)), 60_000);
          createInterface({ input: child.stdout }).on('line', (line) => {
            const parsed = JSON.parse(line) as Record<string, unknown>;
            lines.push(parsed);
            if (parsed['msg'] === 'gateway listening') {
              clearTimeout(timer);
              resolve(Number(parsed['port']));
            }
          });
          void exited.then((code) => reject(new Error(`exited early with ${code}:\n${stderr}`)));
        });
        const base = `http://127.0.0.1:${port}`;
        const socket = io(`${base}/wallboard`, {
          auth: { token: await signDevToken({ role: 'admin' }, SECRET) },
          transports: ['websocket'],
          reconnection: false,
        });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        let disconnectedAt = 0;
        let reason = '';
        socket.on('disconnect', (r) => {
          disconnectedAt = Date.now();
          reason = r;
        });
        assert.equal((await fetch(`${base}/readyz`)).status, 200);

        const signalledAt = Date.now();
        child.kill('SIGTERM');
        // Within the drain: not ready, still alive, the socket still up.
        let sawNotReady = false;
        for (let i = 0; i < 20 && !sawNotReady; i++) {
          sawNotReady = (await fetch(`${base}/readyz`)).status === 503;
          if (!sawNotReady) await new Promise((r) => setTimeout(r, 50));
        }
        assert.ok(sawNotReady, '/readyz answers 503 once SIGTERM arrived');
        assert.equal((await fetch(`${base}/healthz`)).status, 200, 'still alive while draining');
        assert.ok(socket.connected, 'the wallboard socket stays through the drain');

        assert.equal(await exited, 0, `graceful exit expected:\n${stderr}`);
        assert.ok(disconnectedAt > 0, 'the socket was closed by the server');
        assert.equal(reason, 'io server disconnect');
        assert.ok(
          disconnectedAt - signalledAt >= 1_500,
          `sockets closed after the drain (${disconnectedAt - signalledAt} ms)`,
        );
        assert.ok(lines.some((l) => l['msg'] === 'shutting down' && l['signal'] === 'SIGTERM'));
        socket.disconnect();
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});
