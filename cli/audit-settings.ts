import type { AuditSink } from '../audit/audit-sink.ts';
import { createAuditSink, type CreateAuditSinkOptions } from '../audit/create-audit-sink.ts';
import { CliError, UsageError } from './cli-error.ts';

/** Where a long-running command records its audit events, and whether it may run without. */
export interface AuditSettings {
  audit: string;
  journal: string;
  auditRequired: boolean;
  /** CloudEvents `source`, which also names the hash chain; default per command. */
  auditSource?: string;
}

export interface AuditFlagValues {
  audit?: string;
  journal?: string;
  'audit-required'?: string;
  'audit-source'?: string;
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
  const settings: AuditSettings = { audit, journal: flags.journal ?? defaults.journal, auditRequired: auditRequired === 'true' };
  const source = flags['audit-source'];
  if (source !== undefined) {
    // Two instances sharing one source would interleave one chain: verify would report it broken.
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S{1,256}$/.test(source)) {
      throw new UsageError(`${command}: --audit-source must be a URI such as gatehouse://host-a/serve-1, got '${source}'`);
    }
    settings.auditSource = source;
  }
  return settings;
}

export interface OpenAuditSinkOptions extends Omit<CreateAuditSinkOptions, 'journalDir' | 'required'> {
  /** Named at the start of the error ('proxy ssh'); serve's runtime errors name no command. */
  command?: string;
}

/** Opens the sink the settings name; a sink that cannot be opened is one line on stderr. */
export async function openAuditSink(settings: AuditSettings, options: OpenAuditSinkOptions): Promise<AuditSink> {
  const { command, ...sinkOptions } = options;
  try {
    return await createAuditSink(settings.audit, {
      ...sinkOptions,
      source: settings.auditSource ?? sinkOptions.source,
      journalDir: settings.journal,
      required: settings.auditRequired,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError(`${command ? `${command}: ` : ''}audit sink ${settings.audit} cannot be opened: ${message.split('\n', 1)[0]}`);
  }
}
