/**
 * Reading V8 CPU profiles (`node --cpu-prof`): self time per function and per module, and folded
 * stacks for a flame graph (bench/flamegraph.ts draws them).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly share: number;
}

export async function readProfiles(dir: string): Promise<CpuProfile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile));
}

/** Where a frame lives, shortened: `node:http`, `express`, `src/composer/…`, `(program)`. */
export function moduleOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return url;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const own = /\/dist\/(src|bench|test)\/(.+)\.js$/.exec(url);
  if (own) return `${own[1]}/${own[2]}.ts`;
  return url;
}

function weights(profile: CpuProfile): Map<number, number> {
  // Sample counts per node; with timeDeltas, weight each sample by its duration.
  const result = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0) {
    samples.forEach((id, i) => result.set(id, (result.get(id) ?? 0) + (deltas[i] ?? 1)));
  } else {
    for (const node of profile.nodes) result.set(node.id, node.hitCount ?? 0);
  }
  return result;
}

/** Self time by key (function or module), as shares of all samples (idle excluded). */
export function selfTimes(profiles: readonly CpuProfile[], by: 'function' | 'module'): SelfTime[] {
  const totals = new Map<string, { name: string; where: string; weight: number }>();
  let all = 0;
  for (const profile of profiles) {
    const w = weights(profile);
    for (const node of profile.nodes) {
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') continue;
      const weight = w.get(node.id) ?? 0;
      if (weight === 0) continue;
      const where = moduleOf(url, functionName);
      const name = by === 'module' ? where : `${functionName || '(anonymous)'}`;
      const key = by === 'module' ? where : `${name}@${url}:${lineNumber}`;
      const entry = totals.get(key) ?? { name, where: by === 'module' ? '' : `${where}:${lineNumber + 1}`, weight: 0 };
      entry.weight += weight;
      totals.set(key, entry);
      all += weight;
    }
  }
  return [...totals.values()]
    .map((t) => ({ name: t.name, where: t.where, share: all === 0 ? 0 : t.weight / all }))
    .sort((a, b) => b.share - a.share);
}

/** `frame;frame;frame weight` lines (Brendan Gregg's folded format), idle excluded. */
export function foldedStacks(profiles: readonly CpuProfile[]): Map<string, number> {
  const folded = new Map<string, number>();
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const w = weights(profile);
    for (const node of profile.nodes) {
      const weight = w.get(node.id) ?? 0;
      if (weight === 0 || node.callFrame.functionName === '(idle)') continue;
      const frames: string[] = [];
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
        const n = byId.get(id)!;
        if (n.callFrame.functionName === '(root)') break;
        frames.push(`${n.callFrame.functionName || '(anonymous)'} [${moduleOf(n.callFrame.url, n.callFrame.functionName)}]`);
      }
      const key = frames.reverse().join(';');
      folded.set(key, (folded.get(key) ?? 0) + weight);
    }
  }
  return folded;
}
