import { useEffect, useState } from 'react';
import { useTranslation } from '@/i18n';

function remainingSeconds(expiresAt: string): number {
  return Math.max(0, Math.round((Date.parse(expiresAt) - Date.now()) / 1000));
}

function format(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/**
 * The lease's remaining time, ticking each second. Screen readers hear it only once, when under a minute is left
 * (a live region that changed every second would drown everything else).
 */
export function LeaseCountdown({ expiresAt }: { expiresAt: string }) {
  const { t } = useTranslation();
  const [left, setLeft] = useState(() => remainingSeconds(expiresAt));
  useEffect(() => {
    const timer = setInterval(() => setLeft(remainingSeconds(expiresAt)), 1000);
    return () => clearInterval(timer);
  }, [expiresAt]);
  const low = left < 60;
  return (
    <span className={low ? 'lease lease--low' : 'lease'}>
      <span className="visually-hidden">{t('judging.lease.label')}: </span>
      <time dateTime={`PT${left}S`} aria-hidden={low ? undefined : true}>
        {t('judging.lease.remaining', { time: format(left) })}
      </time>
      <span className="visually-hidden" role="status">
        {low ? t('judging.lease.expiresSoon') : ''}
      </span>
    </span>
  );
}
