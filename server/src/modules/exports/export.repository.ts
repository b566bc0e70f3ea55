import type { Database } from '../../db/database.js';

// Placeholder being replaced by the exports implementation (helper in progress).
export class ExportRepository {
  constructor(readonly db: Database) {}
}
