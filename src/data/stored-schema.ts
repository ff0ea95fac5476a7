import { Field, Float32, Float64, Schema, Utf8 } from 'apache-arrow';
import type { BatchKindName } from './layout.js';

/** The Arrow schemas of the normalized stored files (layout.ts): what the importer writes and readers expect. */
export const STORED_INTERACTION_SCHEMA = new Schema([
  new Field('source_id', new Utf8(), false),
  new Field('target_id', new Utf8(), false),
  new Field('type', new Utf8(), true),
  new Field('timestamp_ms', new Float64(), true),
  new Field('weight', new Float32(), true),
  new Field('metadata', new Utf8(), true),
]);

export const STORED_ENTITY_SCHEMA = new Schema([
  new Field('id', new Utf8(), false),
  new Field('type', new Utf8(), true),
  new Field('name', new Utf8(), true),
  new Field('metadata', new Utf8(), true),
  new Field('media_url', new Utf8(), true),
]);

export function storedSchemaOf(kind: BatchKindName): Schema {
  return kind === 'INTERACTIONS' ? STORED_INTERACTION_SCHEMA : STORED_ENTITY_SCHEMA;
}
