/**
 * `npm run bench -- decision`: the example policy in-process, over gRPC and against opa
 * (decision-service.ts), then the small Rego-only policy with `serve --workers 1` and `2` against
 * opa (decision-workers.ts, also runnable alone as `npm run bench -- decision-workers`).
 */
export async function run(): Promise<string> {
  const examplePolicy = await (await import('./decision-service.ts')).run();
  const workers = await (await import('./decision-workers.ts')).run();
  return `${examplePolicy}\n${workers}`;
}
