import { readFile } from 'node:fs/promises';
import { CliError } from './cli-error.ts';

/** Reads the file named by `--<flag>`; a missing or unreadable one is one line naming the flag. */
export async function readFlagFile(command: string, flag: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new CliError(`${command}: cannot read --${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
