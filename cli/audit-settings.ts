import type { AuditSink } from '../audit/audit-sink.ts';
import { createAuditSink, type CreateAuditSinkOptions } from '../audit/create-audit-sink.ts';
import { CliError, UsageError } from './cli-error.ts';

/** Where a long-running command records its audit events, and whether it may run without. */
export interface AuditSettings {
  audit: string;
  journal: string;
  auditRequired: boolean;
}

export interface AuditFlagValues {
  audit?: string;
  journal?: string;
  'audit-required'?: string;
}

/**
 * `--audit SPEC`, `--journal DIR` and `--audit-required true|false`, the same for `serve` and
 * every proxy. Audit is required unless the operator says false in so many words.
 */
export function checkAuditFlags(command: string, flags: AuditFlagValues, defaults: { audit: string; journal: string }): AuditSettings {
  const auditRequired = flags['audit-required'] ?? 'true';
  if (auditRequired !== 'true' && auditRequired !== 'false') {
    throw new UsageError(`${command}: --audit-required must be true or false, got '${auditRequired}'`);
  }
  const audit = flags.audit ?? defaults.audit;
  if (!/^file:.+/.test(audit) && !/^kafka:\/\/.+/.test(audit)) {
    throw new UsageError(`${command}: --audit must be file:PATH or kafka://HOST:PORT[,HOST:PORT], got '${audit}'`);
  }
  return { audit, journal: flags.journal ?? defaults.journal, auditRequired: auditRequired === 'true' };
}

export interface OpenAuditSinkOptions extends Omit<CreateAuditSinkOptions, 'journalDir' | 'required'> {
  /** Named at the start of the error ('proxy ssh'); serve's runtime errors name no command. */
  command?: string;
}

/** Opens the sink the settings name; a sink that cannot be opened is one line on stderr. */
export async function openAuditSink(settings: AuditSettings, options: OpenAuditSinkOptions): Promise<AuditSink> {
  const { command, ...sinkOptions } = options;
  try {
    return await createAuditSink(settings.audit, { ...sinkOptions, journalDir: settings.journal, required: settings.auditRequired });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError(`${command ? `${command}: ` : ''}audit sink ${settings.audit} cannot be opened: ${message.split('\n', 1)[0]}`);
  }
}
