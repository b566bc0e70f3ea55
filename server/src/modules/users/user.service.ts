import { randomBytes } from 'node:crypto';
import type { CreateUserBody, PatchUserBody, User } from '@anchor/shared';
import { errors } from '../../errors.js';
import type { DomainEvents } from '../../lib/domain-events.js';
import type { AuthService } from '../auth/auth.service.js';
import { hashPassword } from '../auth/password.js';
import { presentUser } from './user.presenter.js';
import type { UserRepository } from './user.repository.js';

export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly auth: () => AuthService,
    private readonly events: DomainEvents,
  ) {}

  async get(id: string): Promise<User> {
    const row = await this.users.findById(id);
    if (!row) throw errors.notFound('That user');
    return presentUser(row);
  }

  async list(): Promise<User[]> {
    return (await this.users.list()).map(presentUser);
  }

  async create(input: CreateUserBody): Promise<User> {
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
    return presentUser(row);
  }

  async update(id: string, patch: PatchUserBody, actorId: string): Promise<User> {
    if (id === actorId && (patch.status === 'disabled' || patch.role === 'rater')) {
      throw errors.conflict('You cannot disable yourself or remove your own admin role; ask another admin.');
    }
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
    if (patch.status === 'disabled' || patch.password !== undefined || patch.role !== undefined) {
      // Sessions end at once; the realtime layer closes the user's sockets on this event.
      await this.auth().endAllSessions(id);
      this.events.emit('userSessionsEnded', {
        userId: id,
        reason: patch.status === 'disabled' ? 'disabled' : 'logged_out',
      });
    }
    return presentUser(row);
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
