import { parseArgs } from 'node:util';
import { type BuildStep, buildBundle } from '../../engine/bundle/index.ts';
import { UsageError } from '../cli-error.ts';

const HELP = `usage: gatehouse build <policy-dir> -o <bundle.tar.gz> [--signing-key FILE]

Compiles the Rego to WASM (opa build), validates the Cedar policies (against schema.cedarschema
when present), checks that every required engine has policies and that the decision tests parse,
and writes an OPA-compatible bundle. Prints the bundle's revision on stdout.

  -o, --output FILE     where to write the bundle (gzip'd tarball)
  --signing-key FILE    PEM private key (RSA, EC P-256/384/521, Ed25519): adds .signatures.json

Exit status: 0 built, 1 a policy or bundle error (file:line: message), 2 usage error.`;

const STEP_LINES: Record<BuildStep, string> = {
  reading: 'reading policy directory',
  'compiling Rego': 'compiling Rego',
  'validating Cedar': 'validating Cedar',
  'checking decision tests': 'checking decision tests',
  writing: 'writing bundle',
};

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        output: { type: 'string', short: 'o' },
        'signing-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`build: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('build: give exactly one policy directory (gatehouse build <policy-dir> -o <bundle.tar.gz>)');
  if (!values.output) throw new UsageError('build: -o <bundle.tar.gz> is required');

  // Progress is for people watching a terminal; pipes and CI logs get only the result.
  const tty = process.stderr.isTTY === true;
  const built = await buildBundle(positionals[0], values.output, {
    signingKey: values['signing-key'],
    onProgress: tty ? (step) => process.stderr.write(`${STEP_LINES[step]}…\n`) : undefined,
  });
  if (tty) process.stderr.write(`wrote ${built.path} (${built.files.length} files${built.signed ? ', signed' : ''})\n`);
  process.stdout.write(`${built.revision}\n`);
  return 0;
}
