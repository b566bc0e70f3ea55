import { useId } from 'react';
import { useTranslation } from '@/i18n';
import { Markdown } from './markdown';

/** One response, scrolling on its own so a long answer never pushes the other one or the scale out of reach. */
export function ResponsePanel({
  side,
  text,
  lang,
}: {
  side: 'left' | 'right';
  text: string;
  lang?: string | undefined;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <div className={`response response--${side}`}>
      <h2 id={headingId} className="response__heading">
        {t(side === 'left' ? 'judging.left' : 'judging.right')}
      </h2>
      {/* Focusable so keyboard users can scroll it. */}
      <div className="response__body" role="region" aria-labelledby={headingId} tabIndex={0}>
        <Markdown text={text} lang={lang} />
      </div>
    </div>
  );
}
