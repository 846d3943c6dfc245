/**
 * The architecture as rules: dependencies point one way, down the layers written in
 * docs/architecture.md, and no file imports itself back through another. `npm run check:deps`
 * prints the violations; test/repo/architecture.test.ts (unit tier, so `npm test` runs it before
 * any service starts) fails on any violation that is not in
 * .dependency-cruiser-known-violations.json, the list of the ones the module move (issue 13)
 * has still to remove. That list only shrinks: regenerate it with `npm run check:deps:baseline`
 * after removing a violation, never to admit a new one.
 *
 * Layers, lowest first (a layer may import the ones below it, never above):
 *   runtime      engine/runtime      Node platform helpers (unix sockets); imports no Gatehouse
 *                                    code, every layer may use it
 *   model        engine/model        request, decision, JSON, errors; imports nothing
 *   proto        proto               generated types, the typed loader, the Struct codec; the
 *                                    model only
 *   sql          engine/sql          the PostgreSQL parser and SQL facts; the model only (shared by
 *                                    evaluation and the PostgreSQL proxy, so both read a statement alike)
 *   evaluation   engine/evaluation   facts, Rego, Cedar, masking, combining: pure decisions
 *   bundle       engine/bundle       build, load, sign, evaluate one request; its self-test is injected
 *   testing      engine/testing      the policy-test runner
 *   audit        audit               events, sinks, journal; the model and proto only
 *   decision     engine/decision     the decision pipeline: the active bundle, idempotency,
 *                                    fair scheduling, the evaluation pool, the hooks it calls
 *   control      engine/control      tokens, identity, approvals, state: the decision hooks'
 *                                    implementations; no gRPC
 *   server       engine/server       the gRPC edge
 *   data planes  dataplane/sdk (model, proto), dataplane/<proxy> (model, proto, audit, sdk, sql)
 *   cli          cli, bin            the composition root
 */

const RUNTIME = '^engine/runtime/';
const MODEL = '^engine/model/';
const PROTO = '^proto/';
const SQL = '^engine/sql/';
const EVALUATION = '^engine/evaluation/';
const BUNDLE = '^engine/bundle/';
const TESTING = '^engine/testing/';
const AUDIT = '^audit/';
const DECISION = '^engine/decision/';
const CONTROL = '^engine/control/';
const SERVER = '^engine/server/';
const SDK = '^dataplane/sdk/';
const DATA_PLANES = '^dataplane/(?!sdk/)';
const CLI = '^(cli|bin)/';

const ownCode = '^(engine|audit|dataplane|proto|cli|bin)/';

/** A rule that a layer imports only from itself and the listed layers (node_modules are free). */
function onlyDependsOn(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from },
    to: { path: ownCode, pathNot: [from, RUNTIME, ...allowed] },
  };
}

/**
 * Modules with an index.ts: the layers above import the index, not the module's files, so a
 * module's insides can change without touching its users.
 */
const INDEXED_MODULES = [
  'engine/runtime',
  'engine/model',
  'engine/sql',
  'engine/evaluation',
  'engine/evaluation/cedar',
  'engine/evaluation/facts',
  'engine/bundle',
  'engine/testing',
  'audit',
  'engine/decision',
  'engine/control',
  'engine/server',
  'dataplane/sdk',
  'dataplane/postgres',
  'dataplane/ssh',
  'dataplane/mcp',
];

function importsTheIndexOf(module) {
  return {
    name: `import-${module.replaceAll('/', '-')}-through-its-index`,
    comment: `Outside ${module}/, import ${module}/index.ts, not its files.`,
    severity: 'error',
    from: { path: ownCode, pathNot: `^${module}/` },
    to: { path: `^${module}/(?!index[.]ts$)` },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'A file must not import itself back through other files.',
      severity: 'error',
      // protobuf's Struct/Value/ListValue are recursive by definition (generated code).
      from: { pathNot: '^proto/generated/' },
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    onlyDependsOn('runtime-depends-on-nothing', RUNTIME, [], 'Platform helpers import no Gatehouse code.'),
    onlyDependsOn('model-depends-on-nothing', MODEL, [], 'The model is the bottom layer.'),
    onlyDependsOn('proto-depends-on-model', PROTO, [MODEL], 'The protos are the schema; their codecs speak the model\'s JSON and nothing else.'),
    onlyDependsOn('sql-depends-on-model', SQL, [MODEL], 'The SQL parser knows the model only.'),
    onlyDependsOn('evaluation-is-pure', EVALUATION, [MODEL, SQL], 'Evaluation knows nothing of bundles, tests, audit, tokens or servers.'),
    onlyDependsOn('bundle-below-testing', BUNDLE, [MODEL, SQL, EVALUATION], 'Loading a bundle runs its self-test through an injected runner, not by importing the test runner.'),
    onlyDependsOn('testing-above-bundle', TESTING, [MODEL, SQL, EVALUATION, BUNDLE], 'The policy-test runner uses bundles and evaluation only.'),
    onlyDependsOn('audit-depends-on-model-and-proto', AUDIT, [MODEL, PROTO], 'Audit records decisions, their data typed from audit.proto; replaying them against a bundle lives above both.'),
    onlyDependsOn('decision-below-control', DECISION, [MODEL, SQL, EVALUATION, BUNDLE, TESTING, AUDIT], 'The pipeline defines the hooks tokens and approvals implement; it does not import them.'),
    onlyDependsOn('control-has-no-server', CONTROL, [MODEL, SQL, EVALUATION, BUNDLE, AUDIT, DECISION], 'Tokens, identity, approvals and state know nothing of gRPC or the server.'),
    onlyDependsOn('server-below-cli', SERVER, [MODEL, PROTO, SQL, EVALUATION, BUNDLE, TESTING, AUDIT, DECISION, CONTROL], 'The server composes the layers below; it does not reach the data planes or the CLI.'),
    onlyDependsOn('sdk-depends-on-model-and-proto', SDK, [MODEL, PROTO], 'The data-plane SDK speaks the protos; it embeds no engine.'),
    onlyDependsOn('data-planes-depend-on-model-proto-audit-sdk-sql', DATA_PLANES, [MODEL, PROTO, AUDIT, SDK, SQL], 'A data plane asks the decision service; it does not embed the engine (the PostgreSQL proxy reads statements with the same SQL parser).'),
    ...INDEXED_MODULES.map(importsTheIndexOf),
    {
      name: 'grpc-only-at-the-edges',
      comment:
        'gRPC is the server\'s (services, status codes, metadata) and the clients\' (the data-plane SDK, the CLI); the protos load it. No other layer knows it.',
      severity: 'error',
      from: { path: ownCode, pathNot: '^(engine/server|dataplane/sdk|proto|cli)/' },
      to: { path: 'node_modules/(@grpc/|grpc-health-check/)' },
    },
    {
      name: 'nothing-imports-the-cli',
      comment: 'The CLI is the composition root; nothing below it imports it.',
      severity: 'error',
      from: { path: ownCode, pathNot: CLI },
      to: { path: CLI },
    },
  ],
  options: {
    // TypeScript 7 has no compiler API for dependency-cruiser to use, so it parses with swc.
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // Resolve packages through their "exports" maps as Node does (@modelcontextprotocol/sdk/*).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
    exclude: { path: '^(test|bench|scripts)/' },
  },
};
