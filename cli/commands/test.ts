import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import { GatehouseError } from '../../engine/model/index.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { formatJunitReport } from '../../engine/testing/index.ts';
import { type PolicyDirTestReport, testPolicyDir } from '../../engine/testing/index.ts';
import { exitCodeOf, summarizeTestRun } from '../../engine/testing/index.ts';
import { formatJsonReport, formatTextReport } from '../../engine/testing/index.ts';

const HELP = `usage: gatehouse test <policy-dir>... [--run RE] [--format text|json|junit] [--min-coverage P]

Runs each policy directory's decision tests (tests/*.yaml) on its compiled bundle, both engines
combined as the service evaluates them, and its native Rego unit tests (*_test.rego) with opa test.
Reports Rego rules and Cedar policies no decision test exercised.

  --run RE            only tests whose name matches the regular expression
  --format F          text (default), json, or junit (JUnit XML for CI)
  --min-coverage P    fail (exit 1) when fewer than P% of Rego rules and Cedar policies are covered

Exit status: 0 all passed, 1 a test failed or coverage is below P, 2 usage or load error.`;

const FORMATS = ['text', 'json', 'junit'] as const;
type Format = (typeof FORMATS)[number];

interface TestFlags {
  dirs: string[];
  run?: RegExp;
  format: Format;
  minCoverage?: number;
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  if (!flags) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const reports: PolicyDirTestReport[] = [];
  for (const dir of flags.dirs) {
    try {
      reports.push(await testPolicyDir(dir, { run: flags.run }));
    } catch (error) {
      throw asLoadError(error, dir);
    }
  }
  const summary = summarizeTestRun(reports, flags.minCoverage);
  const output =
    flags.format === 'json' ? formatJsonReport(summary) : flags.format === 'junit' ? formatJunitReport(summary) : formatTextReport(summary);
  process.stdout.write(output);
  return exitCodeOf(summary);
}

function parseFlags(argv: string[]): TestFlags | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        run: { type: 'string' },
        format: { type: 'string', default: 'text' },
        'min-coverage': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}; run 'gatehouse test --help'`);
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  if (positionals.length === 0) throw new UsageError('gatehouse test needs at least one policy directory, e.g. gatehouse test policy/');

  const format = FORMATS.find((f) => f === values.format);
  if (!format) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not '${values.format}'`);

  let runPattern: RegExp | undefined;
  if (values.run !== undefined) {
    try {
      runPattern = new RegExp(values.run);
    } catch (error) {
      throw new UsageError(`--run: invalid regular expression: ${(error as Error).message}`);
    }
  }

  let minCoverage: number | undefined;
  if (values['min-coverage'] !== undefined) {
    const text = values['min-coverage'].replace(/%$/, '');
    minCoverage = Number(text);
    if (text.trim() === '' || !Number.isFinite(minCoverage) || minCoverage < 0 || minCoverage > 100) {
      throw new UsageError(`--min-coverage must be a percentage between 0 and 100, not '${values['min-coverage']}'`);
    }
  }
  return { dirs: positionals, run: runPattern, format, minCoverage };
}

/**
 * A policy that cannot be loaded (bad YAML, a Rego or Cedar error, a missing opa) is exit 2 with
 * the one line that names file and line; anything else is a bug and keeps its stack.
 */
function asLoadError(error: unknown, dir: string): unknown {
  if (error instanceof CliError) return error;
  if (error instanceof GatehouseError) {
    let message = error.message;
    // Loaders name files relative to the policy dir; name them as the user can open them.
    const located = /^([^\s:]+):(\d+)/.exec(message);
    if (located && !isAbsolute(located[1]) && existsSync(join(dir, located[1]))) message = join(dir, located[1]) + message.slice(located[1].length);
    return new CliError(message, 'GATEHOUSE_POLICY_LOAD');
  }
  return error;
}
