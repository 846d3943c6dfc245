import type { AuditSink } from '../audit/index.ts';
import { createAuditSink, type CreateAuditSinkOptions } from '../audit/index.ts';
import { DEFAULT_CLOSE_DRAIN_MS } from '../audit/index.ts';
import { CliError, codeOf, UsageError } from './cli-error.ts';

/** Where a long-running command records its audit events, and whether it may run without. */
export interface AuditSettings {
  audit: string;
  journal: string;
  auditRequired: boolean;
  /** CloudEvents `source`, which also names the hash chain; default per command. */
  auditSource?: string;
  /** `--audit-drain-ms`: how long a graceful stop may spend shipping what is left (kafka://). */
  auditDrainMs: number;
}

export interface AuditFlagValues {
  audit?: string;
  journal?: string;
  'audit-required'?: string;
  'audit-source'?: string;
  'audit-drain-ms'?: string;
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
  const drain = flags['audit-drain-ms'] ?? String(DEFAULT_CLOSE_DRAIN_MS);
  if (!/^\d{1,6}$/.test(drain)) throw new UsageError(`${command}: --audit-drain-ms must be a whole number of milliseconds up to 999999, got '${drain}'`);
  const settings: AuditSettings = { audit, journal: flags.journal ?? defaults.journal, auditRequired: auditRequired === 'true', auditDrainMs: Number(drain) };
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

/**
 * A proxy's own default audit file and journal, `var/proxy-<kind>-<resource>.jsonl`: proxies of
 * different kinds or resources on one host never share a file (nor its lock and chain index).
 */
export function proxyAuditDefaults(kind: 'postgres' | 'ssh', resource: string): { audit: string; journal: string } {
  const name = `proxy-${kind}-${resource.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  return { audit: `file:var/${name}.jsonl`, journal: `var/${name}-journal` };
}

export interface OpenAuditSinkOptions extends Omit<CreateAuditSinkOptions, 'journalDir' | 'required' | 'closeDrainMs'> {
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
      closeDrainMs: settings.auditDrainMs,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError(`${command ? `${command}: ` : ''}audit sink ${settings.audit} cannot be opened: ${message.split('\n', 1)[0]}`, codeOf(error));
  }
}
