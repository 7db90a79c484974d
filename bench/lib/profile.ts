// Top self-time functions of a V8 `.cpuprofile` (what `node --cpu-prof` writes).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ProfileSummary } from './types';

interface CpuProfile {
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

const shorten = (url: string, root: string): string => {
  const file = url.replace(/^file:\/\//, '');
  if (!file) return '(native)';
  const rel = path.relative(root, file);
  const nm = rel.lastIndexOf('node_modules/');
  return nm >= 0 ? rel.slice(nm + 'node_modules/'.length) : rel.startsWith('..') ? file : rel;
};

/**
 * Pure: aggregates self time by function and file, biggest first; idle time left out, and samples in the
 * first `skipSeconds` of the profile (start-up, module loading, warm-up) too.
 */
export function summarizeProfile(
  profile: CpuProfile,
  root: string,
  file: string,
  top = 15,
  skipSeconds = 0,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { function: string; location: string; selfUs: number }>();
  let totalUs = 0;
  let elapsedUs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    elapsedUs += dt;
    if (elapsedUs < skipSeconds * 1e6) return;
    if (!node || node.callFrame.functionName === '(idle)') return;
    totalUs += dt;
    const fn = node.callFrame.functionName || '(anonymous)';
    // Line numbers are those of tsx's transpiled output, not of the source: the file is what helps.
    const location = node.callFrame.url ? shorten(node.callFrame.url, root) : '(native)';
    const key = `${fn}@${location}`;
    const entry = self.get(key) ?? { function: fn, location, selfUs: 0 };
    entry.selfUs += dt;
    self.set(key, entry);
  });
  const rows = [...self.values()].sort((a, b) => b.selfUs - a.selfUs).slice(0, top);
  return {
    file,
    totalMs: totalUs / 1000,
    top: rows.map((r) => ({
      function: r.function,
      location: r.location,
      selfMs: r.selfUs / 1000,
      selfPercent: totalUs ? (100 * r.selfUs) / totalUs : 0,
    })),
  };
}

/** Summarises the newest `.cpuprofile` in `dir`. */
export function summarizeProfileDir(dir: string, root: string, skipSeconds = 0): ProfileSummary | undefined {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .sort();
  } catch {
    return undefined;
  }
  const newest = files[files.length - 1];
  if (!newest) return undefined;
  const full = path.join(dir, newest);
  const profile = JSON.parse(readFileSync(full, 'utf8')) as CpuProfile;
  return summarizeProfile(profile, root, path.relative(root, full), 15, skipSeconds);
}
