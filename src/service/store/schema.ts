/**
 * The catalog's tables. Each concept owns one entry; `catalog.ts` applies them in order, once each,
 * recording applied names in `schema_migrations`. Never edit an applied entry: append a new one.
 */
export interface Migration {
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
];
