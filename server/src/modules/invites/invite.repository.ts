import { sql, type Insertable, type Selectable } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Invites, Users } from '../../db/schema.js';

export type InviteRow = Selectable<Invites>;
export type UserRow = Selectable<Users>;

export class InviteRepository {
  constructor(private readonly db: Database) {}

  insert(values: Insertable<Invites>): Promise<InviteRow> {
    return this.db.insertInto('invites').values(values).returningAll().executeTakeFirstOrThrow();
  }

  list(limit: number): Promise<InviteRow[]> {
    return this.db.selectFrom('invites').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
  }

  findByHash(tokenHash: string): Promise<InviteRow | undefined> {
    return this.db.selectFrom('invites').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  revoke(id: string): Promise<InviteRow | undefined> {
    return this.db
      .updateTable('invites')
      .set({ revoked_at: sql`now()` })
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Spends a live invite and creates its user, in one transaction: the claim (an UPDATE guarded by "not accepted,
   * not revoked, not expired") lets exactly one of two racing acceptances through. Answers why it failed otherwise.
   */
  async accept(
    tokenHash: string,
    user: (invite: InviteRow) => Insertable<Users>,
  ): Promise<{ invite: InviteRow; user: UserRow } | { failure: 'unknown' | 'spent' | 'email_taken' }> {
    return this.db.transaction().execute(async (tx) => {
      const invite = await tx
        .updateTable('invites')
        .set({ accepted_at: sql`now()` })
        .where('token_hash', '=', tokenHash)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .returningAll()
        .executeTakeFirst();
      if (!invite) {
        const known = await tx
          .selectFrom('invites')
          .select('id')
          .where('token_hash', '=', tokenHash)
          .executeTakeFirst();
        return { failure: known ? 'spent' : 'unknown' };
      }
      const taken = await tx
        .selectFrom('users')
        .select('id')
        .where((eb) => eb(eb.fn('lower', ['email']), '=', invite.email.toLowerCase()))
        .executeTakeFirst();
      if (taken) return { failure: 'email_taken' };
      const created = await tx.insertInto('users').values(user(invite)).returningAll().executeTakeFirstOrThrow();
      const spent = await tx
        .updateTable('invites')
        .set({ accepted_user_id: created.id })
        .where('id', '=', invite.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { invite: spent, user: created };
    });
  }
}
