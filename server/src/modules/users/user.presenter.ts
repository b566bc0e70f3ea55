import type { User } from '@anchor/shared';
import type { UserRow } from './user.repository.js';

/** What leaves the server about a user: never the password hash. */
export function presentUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role as User['role'],
    status: row.status as User['status'],
    ...(row.country ? { country: row.country } : {}),
    languages: row.languages,
    attributes: row.attributes as NonNullable<User['attributes']>,
    createdAt: row.created_at.toISOString(),
  };
}
