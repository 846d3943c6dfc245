/**
 * Waits for a condition instead of a fixed sleep: polls `check` until it returns a value other
 * than undefined or false. The deadline only bounds a hang (a generous one, since the machine
 * is shared); nothing about timing is asserted. A missed deadline throws, naming `what`.
 */
export async function waitUntil<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
