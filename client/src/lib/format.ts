const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const numberFormat = new Intl.NumberFormat();

/** "14:32" in the reader's locale. */
export function formatTime(iso: string): string {
  return timeFormat.format(new Date(iso));
}

/** "25 Nov 2026, 14:32" in the reader's locale. */
export function formatDateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

export function formatCount(n: number): string {
  return numberFormat.format(n);
}

/** "1 pair", "3 pairs". */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : pluralForm}`;
}
