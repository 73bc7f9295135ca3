/**
 * Keeps the load generator and the server under test off each other's core: wrk runs on core 0,
 * the server (every thread of it, and the threads it starts later) on core 1. Without it, the
 * scheduler moves them around and a run's figure varies by ±15 % on a 2-core machine; with it, each
 * server has exactly one core, the same for the subject and its reference.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const usable = availableParallelism() >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).error === undefined;

/** The command line that runs `file args` on the load generator's core (unchanged without taskset). */
export function onLoadCore(file: string, args: readonly string[]): [string, string[]] {
  return usable ? ['taskset', ['-c', '0', file, ...args]] : [file, [...args]];
}

/** Moves a running server, all its threads, to the server core. */
export function toServerCore(pid: number): void {
  if (usable) spawnSync('taskset', ['-a', '-p', '-c', '1', String(pid)], { stdio: 'ignore' });
}

/** How the benchmark placed its processes, for the report. */
export const placement = usable ? 'wrk on core 0, the server on core 1 (taskset)' : 'processes placed by the scheduler';
