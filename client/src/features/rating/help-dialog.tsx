import { useEffect, useRef } from 'react';
import { useTranslation } from '@/i18n';

/** The keyboard shortcuts, in a modal dialog (loaded on demand: most raters open it once). */
export default function HelpDialog({ points, onClose }: { points: number; onClose: () => void }) {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);
  const rows: Array<[string, string]> = [
    [`1 … ${points}`, t('judging.help.choose')],
    ['Enter', t('judging.help.submit')],
    ['S', t('judging.help.skip')],
    ['I', t('judging.help.instructions')],
    ['?', t('judging.help.help')],
    ['Esc', t('judging.help.cancel')],
  ];
  return (
    <dialog ref={dialog} className="help-dialog" aria-labelledby="help-dialog-title" onClose={onClose}>
      <h2 id="help-dialog-title" className="help-dialog__title">
        {t('judging.help.title')}
      </h2>
      <dl className="shortcuts">
        {rows.map(([keys, what]) => (
          <div key={keys} className="shortcuts__row">
            <dt>
              <kbd>{keys}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <p className="help-dialog__note">{t('judging.help.typing')}</p>
      <form method="dialog">
        <button type="submit" className="button button--primary" autoFocus>
          {t('judging.help.close')}
        </button>
      </form>
    </dialog>
  );
}
