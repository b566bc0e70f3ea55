import { sql } from 'kysely';
import type { Database } from '../../db/database.js';

export interface Principal {
  userId: string;
  role: string;
  email: string;
}

export class AuthRepository {
  constructor(private readonly db: Database) {}

  async createSession(id: string, userId: string, expiresAt: Date): Promise<void> {
    await this.db.insertInto('sessions').values({ id, user_id: userId, expires_at: expiresAt }).execute();
  }

  /** The live session's active user, or nothing: expired sessions and disabled users never authenticate. */
  findSessionPrincipal(id: string): Promise<Principal | undefined> {
    return this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id as userId', 'users.role', 'users.email'])
      .where('sessions.id', '=', id)
      .where('sessions.expires_at', '>', new Date())
      .where('users.status', '=', 'active')
      .executeTakeFirst();
  }

  async deleteSession(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  async deleteUserSessions(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  async deleteExpiredSessions(): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('expires_at', '<=', new Date()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  createToken(userId: string, name: string, secretHash: string) {
    return this.db
      .insertInto('api_tokens')
      .values({ user_id: userId, name, secret_hash: secretHash })
      .returning(['id', 'name', 'created_at'])
      .executeTakeFirstOrThrow();
  }

  async findTokenPrincipal(secretHash: string): Promise<Principal | undefined> {
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['api_tokens.id as tokenId', 'users.id as userId', 'users.role', 'users.email'])
      .where('api_tokens.secret_hash', '=', secretHash)
      .where('api_tokens.revoked_at', 'is', null)
      .where('users.status', '=', 'active')
      .executeTakeFirst();
    if (!row) return undefined;
    // Recorded at most once a minute, so a busy pipeline does not turn every read into a write.
    await this.db
      .updateTable('api_tokens')
      .set({ last_used_at: sql`now()` })
      .where('id', '=', row.tokenId)
      .where((eb) =>
        eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]),
      )
      .execute();
    return { userId: row.userId, role: row.role, email: row.email };
  }
}
