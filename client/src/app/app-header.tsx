import { NavLink } from 'react-router';
import type { User } from '@anchor/shared';
import { Button } from '@/components/ui';
import { useSignOut } from '@/features/auth/use-me';

function navClass({ isActive }: { isActive: boolean }): string {
  return isActive ? 'nav__link nav__link--active' : 'nav__link';
}

export function AppHeader({ user }: { user: User }) {
  const signOut = useSignOut();
  return (
    <header className="app-header">
      <div className="app-header__inner">
        <NavLink to="/" className="brand" aria-label="Anchor, home">
          <span className="brand__mark" aria-hidden="true">
            ⚓
          </span>
          Anchor
        </NavLink>
        <nav className="nav" aria-label="Main">
          <NavLink to="/rate" className={navClass}>
            Rate
          </NavLink>
          {user.role === 'admin' && (
            <>
              <NavLink to="/admin/tasks" className={navClass}>
                Tasks
              </NavLink>
              <NavLink to="/admin/raters" className={navClass}>
                Raters
              </NavLink>
            </>
          )}
        </nav>
        <div className="app-header__user">
          <span className="app-header__name" dir="auto">
            {user.displayName}
          </span>
          <Button size="small" variant="ghost" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            Sign out
          </Button>
        </div>
      </div>
    </header>
  );
}
