import { Router } from 'express';
import { giveConsentBody, myJudgmentsQuery, myStatsQuery, patchProfileBody } from '@anchor/shared';
import { requireRole } from '../../http/authenticate.js';
import { handle } from '../../http/handle.js';
import type { MeService } from './me.service.js';

/** Rater self-service (raters, and admins who rate): the caller's own profile, consent, history and figures. */
export function meRoutes(me: MeService): Router {
  const router = Router();
  const self = requireRole('rater', 'admin');
  router.get(
    '/me/profile',
    self,
    handle({}, async ({ user, res }) => {
      res.json(await me.profile(user.id));
    }),
  );
  router.patch(
    '/me/profile',
    self,
    handle({ body: patchProfileBody }, async ({ user, body, res }) => {
      res.json(await me.updateProfile(user.id, body));
    }),
  );
  router.post(
    '/me/consent',
    self,
    handle({ body: giveConsentBody }, async ({ user, body, res }) => {
      res.json(await me.giveConsent(user.id, body.version));
    }),
  );
  router.delete(
    '/me/consent',
    self,
    handle({}, async ({ user, res }) => {
      res.json(await me.withdrawConsent(user.id));
    }),
  );
  router.get(
    '/me/judgments',
    self,
    handle({ query: myJudgmentsQuery }, async ({ user, query, res }) => {
      res.json(await me.judgments(user.id, query.limit, query.cursor));
    }),
  );
  router.get(
    '/me/stats',
    self,
    handle({ query: myStatsQuery }, async ({ user, query, res }) => {
      res.json({ stats: await me.stats(user.id, query.taskId) });
    }),
  );
  return router;
}
