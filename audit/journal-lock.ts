import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditUnavailableError } from './audit-sink.ts';

/**
 * One process per journal directory: two writers would interleave two chains into one segment
 * and race on the shipped position. The lock file holds the owner's pid; a lock whose process is
 * gone (killed) is taken over.
 */
export async function claimJournalLock(dir: string): Promise<void> {
  await claimLockFile(join(dir, 'lock'), `audit journal ${dir}`, 'give each instance its own --journal');
}

/**
 * Takes `path` as a pid lock file for one writer of `what`; a lock of a process that is gone is
 * taken over. `advice` ends the error when another live process holds it.
 */
export async function claimLockFile(path: string, what: string, advice: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new AuditUnavailableError(`${what} is in use by process ${owner}; ${advice}`);
    }
    await unlink(path).catch(() => undefined);
  }
  throw new AuditUnavailableError(`${what}: cannot take its lock file ${path}`);
}

export async function releaseJournalLock(dir: string): Promise<void> {
  await releaseLockFile(join(dir, 'lock'));
}

export async function releaseLockFile(path: string): Promise<void> {
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
