/** A server process's CPU time and memory, read from /proc (Linux): no sampling library needed. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on Linux). */
const ticksPerSecond = 100;

/** A process's command name and user + system CPU seconds so far, from one read of /proc/<pid>/stat. */
function procStat(pid: number | string): { command: string; cpuSeconds: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name sits in parentheses and may hold spaces: the fields start after the last ')'.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return { command: stat.slice(stat.indexOf('(') + 1, close), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond }; // utime, stime (fields 14, 15)
}

/** User + system CPU seconds the process has used so far. */
export const cpuSeconds = (pid: number): number => procStat(pid).cpuSeconds;

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
      const stat = procStat(entry);
      if (stat.command === 'postgres') total += stat.cpuSeconds;
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
