import { useEffect, useEffectEvent, useState, type CSSProperties, type FormEvent } from 'react';
import { scaleChoices } from '@anchor/shared';
import { Alert, Button, Field } from '@/components/ui';
import { randomUuid } from '@/lib/uuid';
import { choiceLabel } from './scale-labels';
import type { JudgmentInput, RatingSession } from './use-rating-session';

interface JudgmentFormProps {
  points: number;
  pending: RatingSession['pending'];
  actionError: string | null;
  onSubmit: (judgment: JudgmentInput) => void;
  onSkip: () => void;
}

/** Typing in a field must never pick a choice or submit. */
function isTextEntry(element: Element): boolean {
  return element.matches('input, textarea, select, [contenteditable]:not([contenteditable="false"])');
}

/**
 * The scale, an optional rationale, Submit and Skip. Mounted once per assignment (keyed by its id), so the choice
 * starts empty, the timer starts when the pair appears, and the idempotency key survives retries of this one pair.
 */
export function JudgmentForm({ points, pending, actionError, onSubmit, onSkip }: JudgmentFormProps) {
  const choices = scaleChoices(points);
  const [choice, setChoice] = useState<number | null>(null);
  const [rationale, setRationale] = useState('');
  const [key] = useState(randomUuid);
  const [shownAt] = useState(() => performance.now());
  const busy = pending !== null;

  const submit = () => {
    if (choice === null || busy) return;
    const trimmed = rationale.trim();
    onSubmit({
      key,
      choice,
      timeMs: Math.round(performance.now() - shownAt),
      ...(trimmed ? { rationale: trimmed } : {}),
    });
  };

  // Keys 1..P pick positions left to right; Enter submits. Both are ignored while typing.
  const onKeyDown = useEffectEvent((event: KeyboardEvent) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    const target = event.target instanceof Element ? event.target : null;
    if (target && isTextEntry(target)) return;
    if (/^[1-9]$/.test(event.key)) {
      const picked = choices[Number(event.key) - 1];
      if (picked !== undefined && !busy) {
        event.preventDefault();
        setChoice(picked);
      }
    } else if (event.key === 'Enter') {
      // Links and other buttons keep their own Enter; on a choice button Enter means "submit this".
      if (target?.closest('a, summary, button:not([data-choice])')) return;
      event.preventDefault();
      submit();
    }
  });
  useEffect(() => {
    const listener = (event: KeyboardEvent) => onKeyDown(event);
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);

  const onFormSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    submit();
  };

  return (
    <form className="judgment card" onSubmit={onFormSubmit} aria-label="Your judgment">
      <fieldset className="choices" disabled={busy}>
        <legend className="choices__legend">Which response is better?</legend>
        <div className="choices__row" style={{ '--choice-count': choices.length } as CSSProperties}>
          {choices.map((value, index) => (
            <button
              key={value}
              type="button"
              data-choice={value}
              className={`choice choice--${value < 0 ? 'left' : value > 0 ? 'right' : 'tie'}`}
              aria-pressed={choice === value}
              onClick={() => setChoice(value)}
            >
              <kbd className="choice__key" aria-hidden="true">
                {index + 1}
              </kbd>
              <span className="choice__label">{choiceLabel(value, points)}</span>
            </button>
          ))}
        </div>
        <p className="choices__hint">
          Press <kbd>1</kbd>–<kbd>{choices.length}</kbd> to choose and <kbd>Enter</kbd> to submit.
        </p>
      </fieldset>
      <Field label="Rationale" hint="Optional: what made the difference for you?">
        {(control) => (
          <textarea
            {...control}
            rows={3}
            maxLength={10_000}
            dir="auto"
            value={rationale}
            disabled={busy}
            onChange={(event) => setRationale(event.target.value)}
          />
        )}
      </Field>
      {actionError && <Alert>{actionError}</Alert>}
      <div className="judgment__actions">
        <Button type="submit" variant="primary" disabled={choice === null || busy}>
          {pending === 'submit' ? 'Submitting…' : 'Submit'}
        </Button>
        <Button variant="ghost" onClick={onSkip} disabled={busy}>
          {pending === 'skip' ? 'Skipping…' : 'Skip'}
        </Button>
      </div>
    </form>
  );
}
