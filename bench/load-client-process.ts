import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A load generator in its own process (so its gRPC/HTTP work does not share the measured
 * service's thread): one JSON job per stdin line, one JSON result per stdout line, in order.
 */
export class LoadClientProcess<Job, Result> {
  readonly #child: ChildProcess;
  readonly #answers: ((line: string) => void)[] = [];

  /** `script`: the generator's path, as `node --import tsx` takes it. */
  constructor(script: string) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#answers.shift()?.(line));
  }

  /** The generator's process id (its CPU time is read from /proc). */
  get pid(): number {
    return this.#child.pid!;
  }

  run(job: Job): Promise<Result> {
    return new Promise((resolve) => {
      this.#answers.push((line) => resolve(JSON.parse(line) as Result));
      this.#child.stdin!.write(`${JSON.stringify(job)}\n`);
    });
  }

  close(): void {
    this.#child.stdin!.end();
  }
}
