import { NavLink } from 'react-router';
import type { User } from '@anchor/shared';
import { Button } from '@/components/ui';
import { useSignOut } from '@/features/auth/use-me';
import { setUiLanguage, uiLanguages, type UiLanguage, useTranslation } from '@/i18n';

function navClass({ isActive }: { isActive: boolean }): string {
  return isActive ? 'nav__link nav__link--active' : 'nav__link';
}

export function AppHeader({ user }: { user: User }) {
  const signOut = useSignOut();
  const { t, language } = useTranslation();
  return (
    <header className="app-header">
      <div className="app-header__inner">
        <NavLink to="/" className="brand" aria-label={t('app.home')}>
          <span className="brand__mark" aria-hidden="true">
            ⚓
          </span>
          Anchor
        </NavLink>
        <nav className="nav" aria-label={t('app.nav.main')}>
          <NavLink to="/rate" className={navClass}>
            {t('app.nav.rate')}
          </NavLink>
          <NavLink to="/history" className={navClass}>
            {t('app.nav.history')}
          </NavLink>
          <NavLink to="/profile" className={navClass}>
            {t('app.nav.profile')}
          </NavLink>
          {user.role === 'admin' && (
            <>
              <NavLink to="/admin/overview" className={navClass}>
                Overview
              </NavLink>
              <NavLink to="/admin/tasks" className={navClass}>
                {t('app.nav.tasks')}
              </NavLink>
              <NavLink to="/admin/raters" className={navClass}>
                {t('app.nav.raters')}
              </NavLink>
              <NavLink to="/admin/audit" className={navClass}>
                Audit log
              </NavLink>
            </>
          )}
        </nav>
        <div className="app-header__user">
          <select
            className="language-select"
            aria-label={t('app.language')}
            value={language}
            onChange={(event) => setUiLanguage(event.target.value as UiLanguage)}
          >
            {uiLanguages.map((l) => (
              <option key={l.code} value={l.code} lang={l.code}>
                {l.name}
              </option>
            ))}
          </select>
          <span className="app-header__name" dir="auto">
            {user.displayName}
          </span>
          <Button size="small" variant="ghost" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            {t('app.signOut')}
          </Button>
        </div>
      </div>
    </header>
  );
}
