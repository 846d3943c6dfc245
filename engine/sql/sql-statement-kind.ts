/**
 * Maps a libpg_query statement node name to the `kind` policies see. Common statements get the
 * short names of the facts contract (select, insert, drop, ...); every other node is reported by
 * its own name in snake case without the `Stmt` suffix (CreateRoleStmt → create_role), so a
 * statement the policy author never heard of is still visible and an allowlist denies it.
 */
const KIND_BY_NODE: Record<string, string> = {
  SelectStmt: 'select',
  InsertStmt: 'insert',
  UpdateStmt: 'update',
  DeleteStmt: 'delete',
  MergeStmt: 'merge',
  DropStmt: 'drop',
  TruncateStmt: 'truncate',
  AlterTableStmt: 'alter',
  CreateStmt: 'create',
  CopyStmt: 'copy',
  DoStmt: 'do',
  CallStmt: 'call',
  ExplainStmt: 'explain',
  VariableShowStmt: 'show',
  PrepareStmt: 'prepare',
  ExecuteStmt: 'execute',
  DeallocateStmt: 'deallocate',
  LockStmt: 'lock',
  ListenStmt: 'listen',
  UnlistenStmt: 'unlisten',
  NotifyStmt: 'notify',
  DeclareCursorStmt: 'declare',
  FetchStmt: 'fetch',
  ClosePortalStmt: 'close',
  IndexStmt: 'create_index',
  ViewStmt: 'create_view',
  CreatedbStmt: 'create_database',
  DropdbStmt: 'drop_database',
  CreateTrigStmt: 'create_trigger',
  CheckPointStmt: 'checkpoint',
  LoadStmt: 'load',
  DiscardStmt: 'discard',
};

const TRANSACTION_KINDS: Record<string, string> = {
  TRANS_STMT_BEGIN: 'begin',
  TRANS_STMT_START: 'begin',
  TRANS_STMT_COMMIT: 'commit',
  TRANS_STMT_ROLLBACK: 'rollback',
  TRANS_STMT_SAVEPOINT: 'savepoint',
  TRANS_STMT_RELEASE: 'release_savepoint',
  TRANS_STMT_ROLLBACK_TO: 'rollback_to_savepoint',
  TRANS_STMT_PREPARE: 'prepare_transaction',
  TRANS_STMT_COMMIT_PREPARED: 'commit_prepared',
  TRANS_STMT_ROLLBACK_PREPARED: 'rollback_prepared',
};

export function snakeCaseNodeName(nodeName: string): string {
  return nodeName
    .replace(/Stmt$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** `body` is the node's fields; some kinds depend on them (GRANT vs REVOKE, SET vs RESET). */
export function statementKind(nodeName: string, body: Record<string, unknown>): string {
  switch (nodeName) {
    case 'SelectStmt':
      // SELECT ... INTO creates a table: PostgreSQL itself turns it into CREATE TABLE AS.
      return body.intoClause ? 'create_table_as' : 'select';
    case 'GrantStmt':
      return body.is_grant ? 'grant' : 'revoke';
    case 'GrantRoleStmt':
      return body.is_grant ? 'grant_role' : 'revoke_role';
    case 'VariableSetStmt':
      return body.kind === 'VAR_RESET' || body.kind === 'VAR_RESET_ALL' ? 'reset' : 'set';
    case 'TransactionStmt':
      return TRANSACTION_KINDS[String(body.kind)] ?? 'transaction';
    case 'VacuumStmt':
      return body.is_vacuumcmd ? 'vacuum' : 'analyze';
  }
  return KIND_BY_NODE[nodeName] ?? snakeCaseNodeName(nodeName);
}

/** `OBJECT_TABLE` → `table`; the object a DDL statement acts on. */
export function objectTypeName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return value.replace(/^OBJECT_/, '').toLowerCase();
}

export const WRITE_NODES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
