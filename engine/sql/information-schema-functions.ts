/**
 * The SQL functions initdb creates in information_schema (PostgreSQL's information_schema.sql).
 * They read only the catalog, and only a superuser can add a function to that schema, so a call
 * qualified with `information_schema.` runs PostgreSQL's own code, like a pg_catalog builtin:
 * drivers' metadata queries use them (the JDBC driver's getPrimaryKeys and getIndexInfo call
 * information_schema._pg_expandarray). An unqualified call resolves through search_path and
 * is not one of these. test/engine/evaluation/facts/information-schema-functions.test.ts checks the list
 * against the PostgreSQL the tests run.
 */
export const INFORMATION_SCHEMA_FUNCTIONS: ReadonlySet<string> = new Set([
  '_pg_char_max_length',
  '_pg_char_octet_length',
  '_pg_datetime_precision',
  '_pg_expandarray',
  '_pg_index_position',
  '_pg_interval_type',
  '_pg_numeric_precision',
  '_pg_numeric_precision_radix',
  '_pg_numeric_scale',
  '_pg_truetypid',
  '_pg_truetypmod',
]);
