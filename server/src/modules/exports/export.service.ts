import type { ExportRepository } from './export.repository.js';

// Placeholder being replaced by the exports implementation (helper in progress).
export class ExportService {
  constructor(readonly exports: ExportRepository) {}
}
