/** Header that carries the client's UI version, stored with each judgment as a provenance signal. */
export const UI_VERSION_HEADER = 'x-anchor-ui-version';
export const SESSION_COOKIE = 'anchor_session';
/** Bulk imports stream; every other JSON body is capped at this size. */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;
export const EXPORT_FORMATS = [
  'dpo',
  'reward',
  'kto',
  'openai',
  'annotations',
  'csv',
  'disagreements',
  'battles',
  'parquet',
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
