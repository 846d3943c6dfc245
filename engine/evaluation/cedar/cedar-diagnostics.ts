import type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
import type { CedarDiagnostic } from './cedar-policy-error.ts';
import { charIndexOfByteOffset, positionOfIndex } from './source-position.ts';

/**
 * Where a piece of text Cedar was given sits in an author's file: `given` is the text passed
 * to Cedar (a whole file, one policy, the schema), starting at string index `givenStart` of
 * `fileText`.
 */
export interface CedarTextOrigin {
  file: string;
  fileText: string;
  given: string;
  givenStart: number;
}

/** Turns one Cedar error into a diagnostic at the author's file:line:column. */
export function diagnosticFromCedarError(error: DetailedError, origin: CedarTextOrigin | { file: string }): CedarDiagnostic {
  const labels = (error.sourceLocations ?? []).map((l) => l.label).filter((l): l is string => !!l);
  const help = [error.help, ...labels].filter((h): h is string => !!h).join('; ');
  const diagnostic: CedarDiagnostic = { file: origin.file, message: error.message };
  if (help) diagnostic.help = help;
  const location = error.sourceLocations?.[0];
  if (location && 'fileText' in origin) {
    const index = origin.givenStart + charIndexOfByteOffset(origin.given, location.start);
    const { line, column } = positionOfIndex(origin.fileText, index);
    diagnostic.line = line;
    diagnostic.column = column;
  }
  return diagnostic;
}

export function diagnosticsFromCedarErrors(errors: readonly DetailedError[], origin: CedarTextOrigin | { file: string }): CedarDiagnostic[] {
  return errors.map((e) => diagnosticFromCedarError(e, origin));
}

/** Origin for text Cedar was given whole (a file or the schema). */
export function wholeFileOrigin(file: string, text: string): CedarTextOrigin {
  return { file, fileText: text, given: text, givenStart: 0 };
}
