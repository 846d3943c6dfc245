/**
 * `npm run bench -- decision`: the example policy in-process, over gRPC and against opa
 * (decision-service.ts), then the small Rego-only policy with `serve --workers 1` and `2` against
 * opa (decision-workers.ts, also runnable alone as `npm run bench -- decision-workers`), then where
 * Decide's p99 at half of peak comes from (decide-tail.ts, alone as `npm run bench -- decide-tail`).
 */
export async function run(): Promise<string> {
  const examplePolicy = await (await import('./decision-service.ts')).run();
  const workers = await (await import('./decision-workers.ts')).run();
  const tail = await (await import('./decide-tail.ts')).run();
  return `${examplePolicy}\n${workers}\n${tail}`;
}
