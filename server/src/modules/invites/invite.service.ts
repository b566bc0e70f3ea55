import { randomBytes } from 'node:crypto';
import type {
  AcceptInviteBody,
  CreateInviteResponse,
  Invite,
  InvitePreview,
  InviteStatus,
  Role,
  createInviteBody,
} from '@anchor/shared';
import type { z } from 'zod';
import { AppError, errors } from '../../errors.js';
import type { AuditService, Actor } from '../audit/audit.service.js';
import { sha256 } from '../auth/auth.service.js';
import { hashPassword } from '../auth/password.js';
import type { InviteRepository, InviteRow, UserRow } from './invite.repository.js';

function statusOf(row: InviteRow, now = Date.now()): InviteStatus {
  if (row.accepted_at) return 'accepted';
  if (row.revoked_at) return 'revoked';
  return row.expires_at.getTime() <= now ? 'expired' : 'pending';
}

export function presentInvite(row: InviteRow): Invite {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role as Role,
    country: row.country,
    languages: row.languages,
    status: statusOf(row),
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    acceptedAt: row.accepted_at?.toISOString() ?? null,
    acceptedUserId: row.accepted_user_id,
  };
}

/** The same answer for an unknown, spent, revoked or expired link: a link either works or it does not. */
const deadLink = () =>
  new AppError(
    'not_found',
    'This invitation link does not work: it was used, revoked or has expired. Ask for a new one.',
  );

/**
 * One-time sign-up links. The token (32 random bytes) is shown once, in the link; only its SHA-256 is stored, so a
 * leaked table holds no usable links. Accepting spends it and creates the account in one transaction.
 */
export class InviteService {
  constructor(
    private readonly invites: InviteRepository,
    private readonly audit: AuditService,
  ) {}

  async create(input: z.output<typeof createInviteBody>, actor: Actor, origin: string): Promise<CreateInviteResponse> {
    const token = randomBytes(32).toString('base64url');
    const row = await this.invites.insert({
      token_hash: sha256(token),
      email: input.email,
      display_name: input.displayName ?? null,
      role: input.role,
      country: input.country ?? null,
      languages: input.languages ?? [],
      attributes: JSON.stringify(input.attributes ?? {}),
      created_by: actor.id,
      expires_at: new Date(Date.now() + input.expiresInHours * 3_600_000),
    });
    const invite = presentInvite(row);
    await this.audit.record(actor, {
      action: 'invite.created',
      targetType: 'invite',
      targetId: row.id,
      details: { email: row.email, role: row.role, expiresAt: invite.expiresAt },
    });
    return { invite, token, link: `${origin}/invite/${token}` };
  }

  async list(): Promise<Invite[]> {
    return (await this.invites.list(200)).map(presentInvite);
  }

  async revoke(id: string, actor: Actor): Promise<Invite> {
    const row = await this.invites.revoke(id);
    if (!row) throw errors.conflict('That invitation was already accepted or revoked, or does not exist.');
    await this.audit.record(actor, { action: 'invite.revoked', targetType: 'invite', targetId: id });
    return presentInvite(row);
  }

  /** What the invitee sees before setting a password. */
  async preview(token: string): Promise<InvitePreview> {
    const row = await this.invites.findByHash(sha256(token));
    if (!row || statusOf(row) !== 'pending') throw deadLink();
    return {
      email: row.email,
      displayName: row.display_name,
      role: row.role as Role,
      expiresAt: row.expires_at.toISOString(),
    };
  }

  /** Spends the link and creates the account; the caller signs the new user in with the password just set. */
  async accept(token: string, body: AcceptInviteBody): Promise<UserRow> {
    const passwordHash = await hashPassword(body.password);
    const result = await this.invites.accept(sha256(token), (invite) => ({
      email: invite.email,
      display_name: body.displayName,
      role: invite.role,
      password_hash: passwordHash,
      country: invite.country,
      languages: invite.languages,
      attributes: JSON.stringify(invite.attributes ?? {}),
    }));
    if ('failure' in result) {
      if (result.failure === 'email_taken')
        throw errors.conflict('An account with this email already exists: sign in instead, or ask for a new link.');
      throw deadLink();
    }
    await this.audit.record(
      { id: result.user.id, email: result.user.email },
      {
        action: 'invite.accepted',
        targetType: 'user',
        targetId: result.user.id,
        details: { inviteId: result.invite.id, email: result.user.email, role: result.user.role },
      },
    );
    return result.user;
  }
}
