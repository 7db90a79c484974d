import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { MachineInfo } from './types';

const run = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
};

/** `lscpu` and `free` in one line each. */
export function machineInfo(): MachineInfo {
  const lscpu = run('lscpu', []);
  const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(lscpu)?.[1]?.trim();
  const free = run('free', ['-m']);
  const mem = /^Mem:\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+\S+\s+(\d+)/m.exec(free);
  return {
    cpu: `${field('Model name') ?? os.cpus()[0]?.model ?? 'unknown cpu'} (${field('Architecture') ?? os.arch()})`,
    cores: Number(field('CPU\\(s\\)') ?? os.cpus().length),
    memory: mem
      ? `${mem[1]} MiB RAM (${mem[4]} MiB available at start)`
      : `${Math.round(os.totalmem() / 2 ** 20)} MiB RAM`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 10) / 10,
  };
}
