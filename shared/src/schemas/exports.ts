import { z } from 'zod';
import { EXPORT_FORMATS } from '../constants.js';

export const exportQuery = z.object({
  format: z.enum(EXPORT_FORMATS, { message: `must be one of ${EXPORT_FORMATS.join(', ')}` }),
});
export type ExportQuery = z.infer<typeof exportQuery>;
