import { EXPORT_FORMATS, type ExportFormat } from '@anchor/shared';
import { Card } from '@/components/ui';

export const formatDescriptions: Record<ExportFormat, string> = {
  dpo: 'Preference pairs for DPO training (JSON Lines): prompt, chosen and rejected, one line per decided pair.',
  reward: 'The DPO rows with a margin for reward-model training (JSON Lines).',
  kto: 'Unpaired examples for KTO (JSON Lines): each chosen completion labelled true, each rejected one false.',
  openai: 'Preference fine-tuning rows in OpenAI’s format: input messages, preferred and non-preferred output.',
  annotations: 'Every judgment with its pair, pseudonymous rater, country and languages (JSON Lines).',
  csv: 'The annotations as CSV, for spreadsheets and statistics tools.',
  disagreements: 'One row per judged pair with every rater’s vote, to review where raters differ.',
  battles: 'One row per judgment as model_a, model_b, winner (Chatbot Arena’s form), ties included.',
  parquet: 'The annotations as a Parquet file, for data tools.',
};

export function exportUrl(taskId: string, format: ExportFormat): string {
  return `/api/tasks/${encodeURIComponent(taskId)}/export?${new URLSearchParams({ format }).toString()}`;
}

/** One download per export format; the browser streams the file straight from the server. */
export function ExportLinks({ taskId }: { taskId: string }) {
  return (
    <Card title="Export">
      <ul className="export-list">
        {EXPORT_FORMATS.map((format) => (
          <li key={format} className="export-list__item">
            <a className="button button--secondary button--small" href={exportUrl(taskId, format)} download>
              Download {format}
            </a>
            <p className="export-list__description">{formatDescriptions[format]}</p>
          </li>
        ))}
      </ul>
    </Card>
  );
}
