import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditUnavailableError } from './audit-sink.ts';

/**
 * One process per journal directory: two writers would interleave two chains into one segment
 * and race on the shipped position. The lock file holds the owner's pid; a lock whose process is
 * gone (killed) is taken over.
 */
export async function claimJournalLock(dir: string): Promise<void> {
  const path = join(dir, 'lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new AuditUnavailableError(`audit journal ${dir} is in use by process ${owner}; give each instance its own --journal`);
    }
    await unlink(path).catch(() => undefined);
  }
  throw new AuditUnavailableError(`audit journal ${dir}: cannot take its lock file`);
}

export async function releaseJournalLock(dir: string): Promise<void> {
  const path = join(dir, 'lock');
  const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  if (owner === process.pid) await unlink(path).catch(() => undefined);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
