import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of this process's threads from /proc (Linux), split into the main thread and the
 * rest (workers, libuv pool, V8 helpers). On a shared machine throughput is noisy, while CPU
 * time per decision is not, so the benchmark reports both. Undefined off Linux.
 */
export interface ThreadCpu {
  mainMs: number;
  otherMs: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

export function threadCpu(): ThreadCpu | undefined {
  try {
    let mainMs = 0;
    let otherMs = 0;
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      if (Number(tid) === process.pid) mainMs += ms;
      else otherMs += ms;
    }
    return { mainMs, otherMs };
  } catch {
    return undefined;
  }
}

export function cpuSince(start: ThreadCpu | undefined): ThreadCpu | undefined {
  const now = threadCpu();
  if (!start || !now) return undefined;
  return { mainMs: now.mainMs - start.mainMs, otherMs: now.otherMs - start.otherMs };
}
