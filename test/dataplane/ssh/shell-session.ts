import type { Client, ClientChannel } from 'ssh2';

/** An interactive pty shell on an ssh2 client, with the output collected for assertions. */
export class ShellSession {
  output = '';
  exitCode: number | null | undefined;
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(readonly stream: ClientChannel) {
    stream.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      this.wake();
    });
    stream.stderr.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      this.wake();
    });
    stream.on('exit', (code: number | null) => (this.exitCode = code));
    stream.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(client: Client, size = { cols: 100, rows: 30 }): Promise<ShellSession> {
    return new Promise((resolve, reject) => {
      client.shell({ term: 'xterm', cols: size.cols, rows: size.rows }, (error, stream) => (error ? reject(error) : resolve(new ShellSession(stream))));
    });
  }

  type(text: string): void {
    this.stream.write(text);
  }

  /** Waits until the output after `from` matches; fails with the output so far after `ms`. */
  async waitFor(pattern: RegExp, from = 0, ms = 15_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const tail = this.output.slice(from);
      if (pattern.test(tail)) return tail;
      if (this.closed) throw new Error(`shell closed before ${pattern} appeared; output: ${JSON.stringify(tail)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${pattern}; output: ${JSON.stringify(tail)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async closedWith(ms = 15_000): Promise<number | null | undefined> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`shell did not close; output: ${JSON.stringify(this.output)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.exitCode;
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
