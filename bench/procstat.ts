/** A server process's CPU time and memory, read from /proc (Linux): no sampling library needed. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on Linux). */
const ticksPerSecond = 100;

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond; // utime, stime (fields 14, 15)
}

/**
 * User + system CPU seconds of every process named postgres on this machine: the database's
 * work for the gateway, when the bench's Postgres is local and serves nothing else. A backend
 * that exits during a window takes its CPU time with it (the gateway keeps its connections).
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(Number(entry));
    } catch {
      // Gone meanwhile, or not readable.
    }
  }
  return total;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
}

export const rssMb = (pid: number) => statusKb(pid, 'VmRSS') / 1024;
export const peakRssMb = (pid: number) => statusKb(pid, 'VmHWM') / 1024;

/** Resets the peak RSS (VmHWM) to the current RSS, so that each scenario reads its own peak. */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not permitted (another user's process): the peak then covers the process's whole life.
  }
}
