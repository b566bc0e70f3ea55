import { lazy, Suspense } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Navigate, Route, Routes, useNavigate, useParams } from 'react-router';
import { EmptyState, Loading } from '@/components/ui';
import { meQueryKey } from '@/features/auth/auth-api';
import { RequireAdmin, RequireAuth } from '@/features/auth/require-auth';
import { SignInPage } from '@/features/auth/sign-in-page';
import { useCurrentUser } from '@/features/auth/use-me';
import { RaterHomePage } from '@/features/rating/rater-home-page';
import '@/i18n';
import type * as AdminRoutes from './admin-routes';
import { AppLayout } from './app-layout';

// One dynamic import shared by every admin page, so they form a single chunk that only admins fetch.
const loadAdminRoutes = () => import('./admin-routes');
function lazyAdminRoute(name: keyof typeof AdminRoutes) {
  return lazy(async () => ({ default: (await loadAdminRoutes())[name] }));
}
const TaskListRoute = lazyAdminRoute('TaskListRoute');
const CreateTaskRoute = lazyAdminRoute('CreateTaskRoute');
const TaskDetailRoute = lazyAdminRoute('TaskDetailRoute');
const RatersRoute = lazyAdminRoute('RatersRoute');
const OverviewRoute = lazyAdminRoute('OverviewRoute');
const EditTaskRoute = lazyAdminRoute('EditTaskRoute');
const TaskPreviewRoute = lazyAdminRoute('TaskPreviewRoute');
const TaskExportsRoute = lazyAdminRoute('TaskExportsRoute');
const RaterDetailRoute = lazyAdminRoute('RaterDetailRoute');
const AuditRoute = lazyAdminRoute('AuditRoute');

// Rater pages past the task list load on demand too, keeping the first download (sign-in, home) small.
const JudgingPage = lazy(async () => ({ default: (await import('@/features/rating/judging-page')).JudgingPage }));
const ProfilePage = lazy(async () => ({ default: (await import('@/features/profile/profile-page')).ProfilePage }));
const HistoryPage = lazy(async () => ({ default: (await import('@/features/history/history-page')).HistoryPage }));
// An invitation is opened once per account, so its page stays out of the first download too.
const AcceptInvitePage = lazy(async () => ({
  default: (await import('@/features/raters/accept-invite-page')).AcceptInvitePage,
}));

/** "/" is the rater home for raters and the task list for admins. */
function HomeRoute() {
  const user = useCurrentUser();
  return user.role === 'admin' ? <Navigate to="/admin/tasks" replace /> : <RaterHomePage />;
}

function JudgingRoute() {
  const { taskId = '' } = useParams();
  return <JudgingPage key={taskId} taskId={taskId} />;
}

/** An invitation link: public, outside the signed-in layout. Accepting signs the new user in and takes them home. */
function InviteRoute() {
  const { token = '' } = useParams();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return (
    <Suspense fallback={<Loading />}>
      <AcceptInvitePage
        token={token}
        onAccepted={(user) => {
          queryClient.setQueryData(meQueryKey, user);
          void navigate('/', { replace: true });
        }}
      />
    </Suspense>
  );
}

function NotFoundRoute() {
  return (
    <EmptyState title="Page not found">
      <p>The address may be mistyped, or the page has moved. Use the menu above to go on.</p>
    </EmptyState>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<SignInPage />} />
      <Route path="/invite/:token" element={<InviteRoute />} />
      <Route
        element={
          <RequireAuth>
            <AppLayout />
          </RequireAuth>
        }
      >
        <Route index element={<HomeRoute />} />
        <Route path="rate" element={<RaterHomePage />} />
        <Route path="rate/:taskId" element={<JudgingRoute />} />
        <Route path="profile" element={<ProfilePage />} />
        <Route path="history" element={<HistoryPage />} />
        <Route path="admin" element={<RequireAdmin />}>
          <Route index element={<Navigate to="tasks" replace />} />
          <Route path="tasks" element={<TaskListRoute />} />
          <Route path="tasks/new" element={<CreateTaskRoute />} />
          <Route path="overview" element={<OverviewRoute />} />
          <Route path="tasks/:id" element={<TaskDetailRoute />} />
          <Route path="tasks/:id/edit" element={<EditTaskRoute />} />
          <Route path="tasks/:id/preview" element={<TaskPreviewRoute />} />
          <Route path="tasks/:id/exports" element={<TaskExportsRoute />} />
          <Route path="raters" element={<RatersRoute />} />
          <Route path="raters/:id" element={<RaterDetailRoute />} />
          <Route path="audit" element={<AuditRoute />} />
        </Route>
        <Route path="*" element={<NotFoundRoute />} />
      </Route>
    </Routes>
  );
}
