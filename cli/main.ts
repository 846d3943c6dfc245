import { CliError } from './cli-error.ts';

/** A command module: `run` receives the arguments after the command words and returns the exit code. */
export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

type Loader = () => Promise<CommandModule>;

// Lazy so that `gatehouse fmt` does not pay for loading gRPC, Kafka or the SSH stack.
const COMMANDS: Record<string, Loader> = {
  build: () => import('./commands/build.ts'),
  test: () => import('./commands/test.ts'),
  fmt: () => import('./commands/fmt.ts'),
  eval: () => import('./commands/eval.ts'),
  serve: () => import('./commands/serve.ts'),
  'proxy postgres': () => import('./commands/proxy-postgres.ts'),
  'proxy ssh': () => import('./commands/proxy-ssh.ts'),
  'proxy mcp': () => import('./commands/proxy-mcp.ts'),
  token: () => import('./commands/token.ts'),
  approvals: () => import('./commands/approvals.ts'),
  'replay decisions': () => import('./commands/replay-decisions.ts'),
  'replay session': () => import('./commands/replay-session.ts'),
  'audit verify': () => import('./commands/audit-verify.ts'),
};

const USAGE = `usage: gatehouse <command> [flags]

  build    <policy-dir> -o <bundle.tar.gz> [--signing-key FILE]
  test     <policy-dir>... [--run RE] [--format text|json|junit] [--min-coverage P]
  fmt      <policy-dir> [--check]
  eval     --bundle B --input request.json [--explain]
  serve    --bundle B [--listen 127.0.0.1:50051] [--metrics 127.0.0.1:9464] [...]
  proxy postgres | proxy ssh | proxy mcp   (see docs/)
  token issue | introspect | revoke
  approvals list | approve ID | deny ID
  replay decisions | replay session <id>
  audit verify --source ...

Run 'gatehouse <command> --help' for a command's flags.`;

export async function main(args: string[]): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    process.stdout.write(USAGE + '\n');
    return args.length === 0 ? 2 : 0;
  }
  const two = `${args[0]} ${args[1] ?? ''}`;
  const [name, rest] = COMMANDS[two] ? [two, args.slice(2)] : [args[0], args.slice(1)];
  const loader = COMMANDS[name];
  if (!loader) {
    process.stderr.write(`gatehouse: unknown command '${args.join(' ')}'; run 'gatehouse --help'\n`);
    return 2;
  }
  try {
    const command = await loader();
    return await command.run(rest);
  } catch (error) {
    return reportError(error);
  }
}

/** User mistakes are one line; anything else is a bug and keeps its stack for the report. */
export function reportError(error: unknown): number {
  if (error instanceof CliError) {
    process.stderr.write(`gatehouse: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('GATEHOUSE_')) {
    process.stderr.write(`gatehouse: ${error.message}\n`);
    return 1;
  }
  process.stderr.write(`gatehouse: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}
