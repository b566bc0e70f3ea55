import { randomBytes } from 'node:crypto';
import type { CreateUserBody, PatchUserBody, RaterActivity, User } from '@anchor/shared';
import { errors } from '../../errors.js';
import type { DomainEvents } from '../../lib/domain-events.js';
import type { Actor, AuditService } from '../audit/audit.service.js';
import type { AuthService } from '../auth/auth.service.js';
import { hashPassword } from '../auth/password.js';
import { presentUser } from './user.presenter.js';
import type { UserFilter, UserRepository } from './user.repository.js';

export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly auth: () => AuthService,
    private readonly events: DomainEvents,
    private readonly audit?: AuditService,
  ) {}

  async get(id: string): Promise<User> {
    const row = await this.users.findById(id);
    if (!row) throw errors.notFound('That user');
    return presentUser(row);
  }

  async list(filter: UserFilter = {}): Promise<User[]> {
    return (await this.users.list(filter)).map(presentUser);
  }

  /** What a rater did lately: their latest judgments, and the admin actions about them. */
  async activity(id: string): Promise<RaterActivity> {
    await this.get(id);
    const [judgments, audit] = await Promise.all([
      this.users.recentJudgments(id, 20),
      this.audit?.page({ limit: 20, targetType: 'user', targetId: id }),
    ]);
    return {
      judgments: judgments.map((j) => ({
        id: j.id,
        taskId: j.task_id,
        taskName: j.task_name,
        externalId: j.external_id,
        preference: j.preference,
        timeMs: j.time_ms,
        createdAt: j.created_at.toISOString(),
      })),
      audit: audit?.entries ?? [],
    };
  }

  async create(input: CreateUserBody, actor?: Actor): Promise<User> {
    const row = await this.users.insert({
      email: input.email,
      display_name: input.displayName,
      role: input.role,
      password_hash: input.password ? await hashPassword(input.password) : null,
      country: input.country ?? null,
      languages: input.languages ?? [],
      attributes: JSON.stringify(input.attributes ?? {}),
    });
    if (!row) throw errors.conflict(`A user with the email ${input.email} already exists.`);
    const user = presentUser(row);
    if (actor)
      await this.audit?.record(actor, {
        action: 'user.created',
        targetType: 'user',
        targetId: user.id,
        details: { email: user.email, role: user.role, country: user.country ?? null, languages: user.languages ?? [] },
      });
    return user;
  }

  async update(id: string, patch: PatchUserBody, actorId: string, actor?: Actor): Promise<User> {
    if (id === actorId && (patch.status === 'disabled' || patch.role === 'rater')) {
      throw errors.conflict('You cannot disable yourself or remove your own admin role; ask another admin.');
    }
    const before = await this.users.findById(id);
    const roleChanged = patch.role !== undefined && patch.role !== before?.role;
    const row = await this.users.update(id, {
      ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.password !== undefined ? { password_hash: await hashPassword(patch.password) } : {}),
      ...(patch.country !== undefined ? { country: patch.country } : {}),
      ...(patch.languages !== undefined ? { languages: patch.languages } : {}),
      ...(patch.attributes !== undefined ? { attributes: JSON.stringify(patch.attributes) } : {}),
    });
    if (!row) throw errors.notFound('That user');
    // A new role, a new password or a disabled account ends every session (the same role sent again does not).
    if (patch.status === 'disabled' || patch.password !== undefined || roleChanged) {
      // Sessions end at once; the realtime layer closes the user's sockets on this event.
      await this.auth().endAllSessions(id);
      this.events.emit('userSessionsEnded', {
        userId: id,
        reason: patch.status === 'disabled' ? 'disabled' : 'logged_out',
      });
    }
    const user = presentUser(row);
    if (actor) {
      // Never the password itself: only that it changed.
      const { password, ...values } = patch;
      await this.audit?.record(actor, {
        action:
          patch.status === 'disabled' ? 'user.disabled' : patch.status === 'active' ? 'user.enabled' : 'user.updated',
        targetType: 'user',
        targetId: id,
        details: {
          email: user.email,
          changed: Object.keys(patch),
          values,
          ...(password ? { passwordChanged: true } : {}),
        },
      });
    }
    return user;
  }

  /** First start: make the admin from the environment, or with a generated password returned to print once. */
  async ensureFirstAdmin(
    email: string | undefined,
    password: string | undefined,
  ): Promise<{ email: string; password?: string } | undefined> {
    if (await this.users.hasAdmin()) return undefined;
    const adminEmail = (email ?? 'admin@anchor.local').toLowerCase();
    const generated = password ? undefined : randomBytes(12).toString('base64url');
    await this.create({
      email: adminEmail,
      displayName: 'Administrator',
      role: 'admin',
      password: password ?? generated,
    });
    return { email: adminEmail, ...(generated ? { password: generated } : {}) };
  }
}
