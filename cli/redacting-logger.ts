import { pino, type Logger } from 'pino';
import type { JsonObject } from '../engine/model/index.ts';
import { assertSecretRulesLoaded, redactJson, redactText } from '../audit/index.ts';
import { CliError, codeOf } from './cli-error.ts';

/**
 * The logger of a long-running command: every field and message passes the same secret
 * redaction as audit events, so a command text or a connection string that reaches a log line
 * (an error message quoting it) never carries a secret. Refuses to start without the rules.
 */
export function redactingLogger(name: string, level: string): Logger {
  try {
    assertSecretRulesLoaded();
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), codeOf(error));
  }
  return pino({
    name,
    level,
    formatters: { log: (fields) => redactJson(JSON.parse(JSON.stringify(fields)) as JsonObject).value },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<typeof method>);
      },
    },
  });
}
