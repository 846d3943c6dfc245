/** Fact extraction: the engine's own reading of raw SQL and shell text (docs/architecture.md "Facts"). */
export { computeFacts, initFactExtractors, clearFactsCache, MAX_FACTS_TEXT_LENGTH, type ComputedFacts } from './compute-facts.ts';
export { extractSqlFacts, initSqlParser, FactsNotInitializedError, type SqlFactsResult } from '../../sql/index.ts';
export { extractShellFacts, initShellParser, type ShellFactsResult } from './shell-facts.ts';
export type { ColumnUsage } from '../../sql/index.ts';
export { dropCallerFacts } from './caller-facts.ts';
export { FactsCache } from './facts-cache.ts';
