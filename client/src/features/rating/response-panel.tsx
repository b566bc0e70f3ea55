import { useId } from 'react';
import { TextBlock } from '@/components/ui';

/** One response, scrolling on its own so a long answer never pushes the other one or the scale out of reach. */
export function ResponsePanel({ side, text }: { side: 'Left' | 'Right'; text: string }) {
  const headingId = useId();
  return (
    <div className={`response response--${side.toLowerCase()}`}>
      <h2 id={headingId} className="response__heading">
        {side}
      </h2>
      {/* Focusable so keyboard users can scroll it. */}
      <div className="response__body" role="region" aria-labelledby={headingId} tabIndex={0}>
        <TextBlock text={text} />
      </div>
    </div>
  );
}
