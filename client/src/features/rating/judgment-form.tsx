import {
  useEffect,
  useEffectEvent,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type CSSProperties,
  type FormEvent,
} from 'react';
import { defaultRationale, judgmentFlags, scaleChoices, type Assignment } from '@anchor/shared';
import { Alert, Button } from '@/components/ui';
import { useTranslation } from '@/i18n';
import { randomUuid } from '@/lib/uuid';
import { choiceLabel } from './scale-labels';
import type { JudgmentInput, RatingSession } from './use-rating-session';
import { useSignals } from './use-signals';

export const skipReasons = ['language', 'expertise', 'disturbing', 'broken', 'other'] as const;
type Flag = (typeof judgmentFlags)[number];

interface JudgmentFormProps {
  assignment: Assignment;
  pending: RatingSession['pending'];
  actionError: string | null;
  onSubmit: (judgment: JudgmentInput) => void;
  onSkip: (reason: string) => void;
  onToggleInstructions: () => void;
  onHelp: () => void;
}

/** Typing in a field must never pick a choice or submit (radio buttons and checkboxes are not typing). */
function isTextEntry(element: Element): boolean {
  return element.matches(
    'input:not([type="radio"]):not([type="checkbox"]), textarea, select, [contenteditable]:not([contenteditable="false"])',
  );
}

/** Marks the moment Enter (or Submit) sends a judgment; the page measures to the next pair's render. */
export const SUBMIT_MARK = 'anchor:submit';

/**
 * The scale, the task's criteria, the rationale, flags, Submit and Skip. Mounted once per assignment (keyed by its
 * id), so nothing is preselected, the signals start when the pair appears, and the idempotency key survives retries
 * of this one pair (and its stay in the outbox).
 */
export function JudgmentForm({
  assignment,
  pending,
  actionError,
  onSubmit,
  onSkip,
  onToggleInstructions,
  onHelp,
}: JudgmentFormProps) {
  const { t } = useTranslation();
  const points = assignment.scale.points;
  const criteria = assignment.criteria ?? [];
  const rule = assignment.rationale ?? defaultRationale;
  const choices = scaleChoices(points);
  // A task may name its points itself (issue 5's `scale.labels`); otherwise the translated defaults.
  const customLabels = (assignment.scale as { labels?: string[] | undefined }).labels;
  const [choice, setChoice] = useState<number | null>(null);
  const [ratings, setRatings] = useState<Record<string, number>>({});
  const [rationale, setRationale] = useState('');
  const [flags, setFlags] = useState<Flag[]>([]);
  const [skipping, setSkipping] = useState(false);
  const [skipReason, setSkipReason] = useState<string | null>(null);
  const [skipNote, setSkipNote] = useState('');
  const [hint, setHint] = useState<string | null>(null);
  const [key] = useState(randomUuid);
  const signals = useSignals();
  const skipPanel = useRef<HTMLFieldSetElement>(null);
  const busy = pending !== null;
  const ids = useId();

  const trimmed = rationale.trim();
  const minLength = rule.mode === 'required' ? Math.max(1, rule.minLength) : rule.minLength;
  const rationaleOk =
    rule.mode === 'off' ||
    (rule.mode === 'required' ? trimmed.length >= minLength : trimmed.length === 0 || trimmed.length >= minLength);
  const criteriaOk = criteria.every((c) => ratings[c.id] !== undefined);
  const ready = choice !== null && criteriaOk && rationaleOk;

  const choose = (value: number) => {
    signals.choiceMade();
    setChoice(value);
    setHint(null);
  };

  const submit = () => {
    if (busy) return;
    if (!ready) {
      setHint(
        choice === null
          ? t('form.needChoice')
          : !criteriaOk
            ? t('form.needCriteria')
            : t('form.needRationale', { min: String(minLength) }),
      );
      return;
    }
    performance.clearMarks(SUBMIT_MARK);
    performance.mark(SUBMIT_MARK);
    onSubmit({
      key,
      choice,
      timeMs: signals.elapsedMs(),
      ...(rule.mode !== 'off' && trimmed ? { rationale: trimmed } : {}),
      ...(flags.length > 0 ? { flags } : {}),
      ...(criteria.length > 0 ? { criteria: ratings } : {}),
      signals: signals.collect(),
    });
  };

  const openSkip = () => setSkipping(true);
  // The first reason takes focus as the panel is added, before it is painted, so the keyboard flow goes on without a
  // mouse and a key pressed the moment the panel shows lands on it (after a frame, a quick Space could miss it).
  useLayoutEffect(() => {
    if (skipping) skipPanel.current?.querySelector<HTMLInputElement>('input')?.focus();
  }, [skipping]);
  const confirmSkip = () => {
    if (!skipReason || busy) return;
    const note = skipNote.trim();
    onSkip(note ? `${skipReason}: ${note}` : skipReason);
  };

  // 1..P pick positions left to right (or rate the criterion whose row has focus), Enter submits, S skips, ? helps,
  // I toggles the instructions. None of them fire while typing.
  const onKeyDown = useEffectEvent((event: KeyboardEvent) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    if (document.querySelector('dialog[open]')) return;
    // With no dialog open, a focused control inside one belongs to a dialog that has just closed (its Close button
    // keeps focus until React removes it): the key is the page's, as if nothing had focus.
    const target = event.target instanceof Element && !event.target.closest('dialog') ? event.target : null;
    if (target && isTextEntry(target)) return;
    if (event.key === 'Escape' && skipping) {
      event.preventDefault();
      setSkipping(false);
      return;
    }
    if (/^[1-9]$/.test(event.key)) {
      const n = Number(event.key);
      const row = target?.closest<HTMLElement>('[data-criterion]');
      if (row) {
        const criterion = criteria.find((c) => c.id === row.dataset.criterion);
        if (criterion && n <= criterion.points && !busy) {
          event.preventDefault();
          setRatings((r) => ({ ...r, [criterion.id]: n }));
        }
        return;
      }
      if (skipping) return;
      const picked = choices[n - 1];
      if (picked !== undefined && !busy) {
        event.preventDefault();
        choose(picked);
      }
    } else if (event.key === 'Enter') {
      // Links and other buttons keep their own Enter; on a choice button Enter means "submit this".
      if (target?.closest('a, summary, button:not([data-choice])')) return;
      event.preventDefault();
      if (skipping) confirmSkip();
      else submit();
    } else if (event.key === 's' || event.key === 'S') {
      if (busy) return;
      event.preventDefault();
      openSkip();
    } else if (event.key === '?') {
      event.preventDefault();
      onHelp();
    } else if (event.key === 'i' || event.key === 'I') {
      event.preventDefault();
      onToggleInstructions();
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
    <form className="judgment card" onSubmit={onFormSubmit} aria-label={t('form.label')}>
      <fieldset className="choices" disabled={busy}>
        <legend className="choices__legend">{t('form.question')}</legend>
        <div className="choices__row" style={{ '--choice-count': choices.length } as CSSProperties}>
          {choices.map((value, index) => (
            <button
              key={value}
              type="button"
              data-choice={value}
              className={`choice choice--${value < 0 ? 'left' : value > 0 ? 'right' : 'tie'}`}
              aria-pressed={choice === value}
              onClick={() => choose(value)}
            >
              <kbd className="choice__key" aria-hidden="true">
                {index + 1}
              </kbd>
              <span className="choice__label">{customLabels?.[index] ?? choiceLabel(t, value, points)}</span>
            </button>
          ))}
        </div>
        <p className="choices__hint">{t('form.hint', { last: String(choices.length) })}</p>
      </fieldset>

      {criteria.length > 0 && (
        <fieldset className="criteria" disabled={busy}>
          <legend className="criteria__legend">{t('form.criteria')}</legend>
          {criteria.map((c) => (
            <div
              key={c.id}
              className="criterion"
              role="radiogroup"
              aria-labelledby={`${ids}-${c.id}`}
              data-criterion={c.id}
            >
              <span id={`${ids}-${c.id}`} className="criterion__label" dir="auto">
                {t('form.criterionScale', { label: c.label, points: String(c.points) })}
              </span>
              <span className="criterion__options">
                {Array.from({ length: c.points }, (_, i) => i + 1).map((n) => (
                  <label key={n} className="criterion__option">
                    <input
                      type="radio"
                      name={`${ids}-${c.id}`}
                      value={n}
                      checked={ratings[c.id] === n}
                      onChange={() => setRatings((r) => ({ ...r, [c.id]: n }))}
                    />
                    <span>{n}</span>
                  </label>
                ))}
              </span>
            </div>
          ))}
        </fieldset>
      )}

      {rule.mode !== 'off' && (
        <div className={rationaleOk || trimmed.length === 0 ? 'field' : 'field field--invalid'}>
          <label htmlFor={`${ids}-rationale`} className="field__label">
            {t('form.rationale')}
          </label>
          <p id={`${ids}-rationale-hint`} className="field__hint">
            {t(rule.mode === 'required' ? 'form.rationaleRequired' : 'form.rationaleOptional')}{' '}
            {minLength > 0 && t('form.rationaleMin', { min: String(minLength), count: trimmed.length })}
          </p>
          <textarea
            id={`${ids}-rationale`}
            aria-describedby={`${ids}-rationale-hint`}
            rows={3}
            maxLength={10_000}
            dir="auto"
            required={rule.mode === 'required'}
            value={rationale}
            disabled={busy}
            onChange={(event) => setRationale(event.target.value)}
            onPaste={() => signals.paste()}
            onKeyDown={() => signals.keystroke()}
          />
        </div>
      )}

      <fieldset className="flags" disabled={busy}>
        <legend className="flags__legend">{t('form.flags')}</legend>
        {judgmentFlags.map((flag) => (
          <label key={flag} className="flag">
            <input
              type="checkbox"
              checked={flags.includes(flag)}
              onChange={(event) => setFlags((f) => (event.target.checked ? [...f, flag] : f.filter((x) => x !== flag)))}
            />
            <span>{t(`form.flag.${flag}`)}</span>
          </label>
        ))}
      </fieldset>

      {skipping && (
        <fieldset className="skip-panel" ref={skipPanel} disabled={busy}>
          <legend className="skip-panel__legend">{t('skip.title')}</legend>
          {skipReasons.map((reason) => (
            <label key={reason} className="skip-panel__reason">
              <input
                type="radio"
                name={`${ids}-skip`}
                value={reason}
                checked={skipReason === reason}
                onChange={() => setSkipReason(reason)}
              />
              <span>{t(`skip.reasons.${reason}`)}</span>
            </label>
          ))}
          <label htmlFor={`${ids}-skip-note`} className="field__label">
            {t('skip.note')}
          </label>
          <input
            id={`${ids}-skip-note`}
            type="text"
            dir="auto"
            maxLength={500}
            value={skipNote}
            onChange={(event) => setSkipNote(event.target.value)}
            onKeyDown={(event) => {
              // Enter here means "skip", never the judgment form's implicit submit.
              if (event.key === 'Enter') {
                event.preventDefault();
                confirmSkip();
              } else if (event.key === 'Escape') setSkipping(false);
            }}
          />
          <div className="judgment__actions">
            <Button variant="primary" onClick={confirmSkip} disabled={!skipReason || busy}>
              {pending === 'skip' ? t('form.skipping') : t('skip.confirm')}
            </Button>
            <Button variant="ghost" onClick={() => setSkipping(false)}>
              {t('skip.cancel')}
            </Button>
          </div>
        </fieldset>
      )}

      {hint && <Alert tone="info">{hint}</Alert>}
      {actionError && <Alert>{actionError}</Alert>}
      <div className="judgment__actions">
        <Button type="submit" variant="primary" disabled={!ready || busy}>
          {pending === 'submit' ? t('form.submitting') : t('form.submit')}
        </Button>
        {!skipping && (
          <Button variant="ghost" onClick={openSkip} disabled={busy}>
            {t('form.skip')}
          </Button>
        )}
        <Button variant="ghost" className="judgment__help" onClick={onHelp} aria-keyshortcuts="?">
          {t('judging.help.button')}
        </Button>
      </div>
    </form>
  );
}
