import { Router } from 'express';
import type { TaskService } from '../tasks/task.service.js';
import type { ExportService } from './export.service.js';

// Placeholder being replaced by the exports implementation (helper in progress).
export function exportRoutes(_exports: ExportService, _tasks: TaskService): Router {
  return Router();
}
