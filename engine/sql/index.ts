/** The PostgreSQL parser and SQL facts, shared by evaluation and the PostgreSQL proxy. What the layers above use (docs/architecture.md "Layers"). */
export * from './sql-ast.ts';
export * from './sql-catalog.ts';
export * from './sql-facts.ts';
export * from './sql-statement-collector.ts';
