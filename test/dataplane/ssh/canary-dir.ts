import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A directory the upstream account can write to (sticky, world-writable), for canary files: a
 * bypass test proves a command did not run by its canary's absence, and proves the canary can
 * appear by creating a control file through the same path.
 */
export class CanaryDir {
  readonly path: string;
  private n = 0;

  constructor(prefix: string) {
    this.path = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(this.path, 0o1777);
  }

  /** A fresh canary path (not created). */
  next(label: string): string {
    return join(this.path, `${label.replace(/[^A-Za-z0-9]+/g, '-')}-${this.n++}`);
  }

  exists(path: string): boolean {
    return existsSync(path);
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
