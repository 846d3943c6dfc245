import { UsageError } from './cli-error.ts';
import { packageVersion } from './package-version.ts';
import { reportError } from './report-error.ts';

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
  'audit export': () => import('./commands/audit-export.ts'),
};

const USAGE = `usage: gatehouse <command> [flags]

  build    <policy-dir> -o <bundle.tar.gz> [--signing-key FILE]
  test     <policy-dir>... [--run RE] [--format text|json|junit] [--min-coverage P]
  fmt      <policy-dir> [--check]
  eval     --bundle B|DIR --input request.json [--explain] [--self-test]
  serve    --bundle B [--listen 127.0.0.1:50051] [--metrics 127.0.0.1:9464] [...]
  proxy postgres | proxy ssh | proxy mcp   (see docs/)
  token issue | introspect | revoke
  approvals list | approve ID | deny ID
  replay decisions | replay session <id>
  audit verify | audit export

  --version    print the Gatehouse version

Run 'gatehouse <command> --help' for a command's flags.`;

/**
 * Help of the command groups whose commands are two words: `gatehouse proxy --help` lists the
 * subcommands instead of calling the group an unknown command.
 */
const GROUPS: Record<string, string> = {
  proxy: `usage: gatehouse proxy <postgres|ssh> [flags]

  proxy postgres   PostgreSQL proxy: every statement decided before it reaches the database (docs/postgres-proxy.md)
  proxy ssh        SSH proxy: every command and shell line decided before it runs (docs/ssh-proxy.md)

Run 'gatehouse proxy postgres --help' or 'gatehouse proxy ssh --help' for the flags.`,
  replay: `usage: gatehouse replay <decisions|session> [flags]

  replay decisions   re-decide recorded decision events against a bundle and report the changes (docs/audit.md)
  replay session     print a recorded PostgreSQL or SSH session (docs/audit.md)

Run 'gatehouse replay decisions --help' or 'gatehouse replay session --help' for the flags.`,
  audit: `usage: gatehouse audit <verify|export> [flags]

  audit verify   check the prevhash chain of stored audit events (docs/audit.md)
  audit export   write stored audit events as CloudEvents or OCSF (docs/audit.md)

Run 'gatehouse audit verify --help' or 'gatehouse audit export --help' for the flags.`,
};

export async function main(args: string[]): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    process.stdout.write(USAGE + '\n');
    return args.length === 0 ? 2 : 0;
  }
  if (args[0] === '--version' || args[0] === '-V' || args[0] === 'version') {
    process.stdout.write(`gatehouse ${packageVersion()}\n`);
    return 0;
  }
  const group = GROUPS[args[0]!];
  if (group !== undefined && (args.length === 1 || args[1] === '--help' || args[1] === '-h' || args[1] === 'help')) {
    process.stdout.write(group + '\n');
    return args.length === 1 ? 2 : 0;
  }
  const two = `${args[0]} ${args[1] ?? ''}`;
  const [name, rest] = COMMANDS[two] ? [two, args.slice(2)] : [args[0], args.slice(1)];
  const loader = COMMANDS[name];
  if (!loader) return reportError(new UsageError(`unknown command '${args.join(' ')}'; run 'gatehouse --help'`));
  try {
    const command = await loader();
    return await command.run(rest);
  } catch (error) {
    return reportError(error);
  }
}
