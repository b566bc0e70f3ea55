import { createHash, randomBytes } from 'node:crypto';
import type { ApiToken, Role } from '@anchor/shared';
import { errors } from '../../errors.js';
import type { AuthUser } from '../../http/locals.js';
import type { UserRepository, UserRow } from '../users/user.repository.js';
import type { AuthRepository, Principal } from './auth.repository.js';
import { timingDummyHash, verifyPassword } from './password.js';

const TOKEN_PREFIX = 'anc_';

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function toAuthUser(p: Principal): AuthUser {
  return { id: p.userId, role: p.role as Role, email: p.email };
}

export class AuthService {
  constructor(
    private readonly auth: AuthRepository,
    private readonly users: UserRepository,
    private readonly sessionDays: number,
  ) {}

  /** Same 401 for an unknown email, a wrong password or a disabled account: nothing to enumerate. */
  async login(email: string, password: string): Promise<{ user: UserRow; sessionSecret: string; expiresAt: Date }> {
    const user = await this.users.findByEmail(email);
    const ok = await verifyPassword(user?.password_hash ?? (await timingDummyHash()), password);
    if (!user || !ok || !user.password_hash || user.status !== 'active') {
      throw errors.unauthorized('That email and password do not match an active account.');
    }
    const sessionSecret = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.sessionDays * 86_400_000);
    // Only the hash is stored: a leaked sessions table does not leak usable cookies.
    await this.auth.createSession(sha256(sessionSecret), user.id, expiresAt);
    return { user, sessionSecret, expiresAt };
  }

  async logout(sessionSecret: string): Promise<void> {
    await this.auth.deleteSession(sha256(sessionSecret));
  }

  async endAllSessions(userId: string): Promise<void> {
    await this.auth.deleteUserSessions(userId);
  }

  async fromSession(sessionSecret: string): Promise<AuthUser | undefined> {
    const principal = await this.auth.findSessionPrincipal(sha256(sessionSecret));
    return principal && toAuthUser(principal);
  }

  async fromToken(secret: string): Promise<AuthUser | undefined> {
    if (!secret.startsWith(TOKEN_PREFIX)) return undefined;
    const principal = await this.auth.findTokenPrincipal(sha256(secret));
    return principal && toAuthUser(principal);
  }

  /** The secret is returned once and only its hash is kept. */
  async createToken(userId: string, name: string): Promise<{ token: ApiToken; secret: string }> {
    const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.auth.createToken(userId, name, sha256(secret));
    return { token: { id: row.id, name: row.name, createdAt: row.created_at.toISOString() }, secret };
  }
}
