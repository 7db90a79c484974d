// Real Kafka and FerretDB through test/infra/infra.sh, honouring RINGBACK_KAFKA_PORT,
// RINGBACK_KAFKA_CONTROLLER_PORT, RINGBACK_FERRETDB_PORT, RINGBACK_INFRA_RUN and RINGBACK_INFRA_CACHE.
// What the harness started it stops; servers that were already up are left running.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Infra } from './types';

export class InfraManager {
  private started = false;
  private endpoints: Infra | undefined;

  constructor(private readonly root: string) {}

  private script(name: string, cmd: string) {
    return spawnSync('bash', [path.join(this.root, 'test/infra', name), cmd], {
      cwd: this.root,
      encoding: 'utf8',
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  async up(log: (m: string) => void): Promise<Infra> {
    if (this.endpoints) return this.endpoints;
    const alreadyUp =
      this.script('kafka.sh', 'status').status === 0 && this.script('ferretdb.sh', 'status').status === 0;
    const res = alreadyUp ? null : this.script('infra.sh', 'up');
    if (res && res.status !== 0)
      throw new Error(`test/infra/infra.sh up failed:\n${res.stderr.slice(-2000)}`);
    if (!alreadyUp) this.started = true;
    const kafkaPort = process.env['RINGBACK_KAFKA_PORT'] ?? '39092';
    const mongoPort = process.env['RINGBACK_FERRETDB_PORT'] ?? '37017';
    const out = res?.stdout ?? '';
    const kafkaBrokers = /^KAFKA_BROKERS=(.+)$/m.exec(out)?.[1]?.trim() ?? `127.0.0.1:${kafkaPort}`;
    const mongoUrl = /^MONGO_URL=(.+)$/m.exec(out)?.[1]?.trim() ?? `mongodb://127.0.0.1:${mongoPort}/`;
    log(`infra: ${alreadyUp ? 'reusing running' : 'started'} Kafka ${kafkaBrokers} and FerretDB ${mongoUrl}`);
    this.endpoints = { kafkaBrokers, mongoUrl };
    return this.endpoints;
  }

  down(log: (m: string) => void): void {
    if (!this.started) return;
    const res = this.script('infra.sh', 'down');
    log(`infra: stopped Kafka and FerretDB${res.status === 0 ? '' : ` (exit ${res.status})`}`);
    this.started = false;
    this.endpoints = undefined;
  }
}
