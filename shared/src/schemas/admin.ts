import { z } from 'zod';
import { assignment } from './assignments.js';
import { attributes, countryCode, isoDate, languageTag, uuid } from './common.js';
import { exportFilters, exportFormat } from './exports.js';
import { role, userStatus } from './users.js';

/* ---------- Invites: one-time sign-up links ---------- */

export const INVITE_DEFAULT_HOURS = 7 * 24;
export const INVITE_MAX_HOURS = 30 * 24;

export const createInviteBody = z.object({
  email: z
    .email({ message: 'must be an email address' })
    .max(320)
    .transform((e) => e.toLowerCase()),
  role: role.default('rater'),
  displayName: z.string().trim().min(1, { message: 'must not be empty' }).max(200).optional(),
  country: countryCode.optional(),
  languages: z.array(languageTag).max(20).optional(),
  attributes: attributes.optional(),
  expiresInHours: z
    .number()
    .int()
    .min(1, { message: `must be between 1 and ${INVITE_MAX_HOURS}` })
    .max(INVITE_MAX_HOURS, { message: `must be between 1 and ${INVITE_MAX_HOURS}` })
    .default(INVITE_DEFAULT_HOURS),
});
export type CreateInviteBody = z.input<typeof createInviteBody>;

export const inviteStatuses = ['pending', 'accepted', 'expired', 'revoked'] as const;
export type InviteStatus = (typeof inviteStatuses)[number];

export const invite = z.object({
  id: uuid,
  email: z.string(),
  displayName: z.string().nullable(),
  role,
  country: z.string().nullable(),
  languages: z.array(z.string()),
  status: z.enum(inviteStatuses),
  createdAt: isoDate,
  expiresAt: isoDate,
  acceptedAt: isoDate.nullable(),
  acceptedUserId: uuid.nullable(),
});
export type Invite = z.infer<typeof invite>;

/** The link is returned once, at creation: only the token's hash is kept. */
export const createInviteResponse = z.object({ invite, link: z.string(), token: z.string() });
export type CreateInviteResponse = z.infer<typeof createInviteResponse>;
export const invitesResponse = z.object({ invites: z.array(invite) });

/** Tokens are 43 base64url characters; anything else is refused before a lookup. */
export const inviteTokenParams = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, { message: 'is not an invitation token' }),
});

/** What the invitee sees before accepting (public: nothing about who sent it). */
export const invitePreview = z.object({
  email: z.string(),
  displayName: z.string().nullable(),
  role,
  expiresAt: isoDate,
});
export type InvitePreview = z.infer<typeof invitePreview>;

export const acceptInviteBody = z.object({
  password: z
    .string()
    .min(8, { message: 'must be at least 8 characters' })
    .max(200, { message: 'must be at most 200 characters' }),
  displayName: z.string().trim().min(1, { message: 'must not be empty' }).max(200),
});
export type AcceptInviteBody = z.infer<typeof acceptInviteBody>;

/* ---------- Users list filters ---------- */

export const listUsersQuery = z.object({
  /** Matched case-insensitively against the display name and the email. */
  q: z.string().trim().max(200).optional(),
  country: countryCode.optional(),
  language: languageTag.optional(),
  status: userStatus.optional(),
  role: role.optional(),
});
export type ListUsersQuery = z.input<typeof listUsersQuery>;

/* ---------- Audit log ---------- */

export const auditEntry = z.object({
  /** Increasing; pages are cut by it. */
  seq: z.string(),
  at: isoDate,
  actorId: uuid.nullable(),
  actorEmail: z.string().nullable(),
  /** `task.created`, `task.updated`, `pairs.imported`, `user.created`, `user.updated`, `invite.created`, … */
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof auditEntry>;

export const auditQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  action: z.string().trim().max(100).optional(),
  targetType: z.string().trim().max(100).optional(),
  targetId: z.string().trim().max(200).optional(),
});
export type AuditQuery = z.input<typeof auditQuery>;
export const auditPage = z.object({ entries: z.array(auditEntry), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof auditPage>;

/* ---------- Export log ---------- */

export const exportLogEntry = z.object({
  id: uuid,
  taskId: uuid,
  actorId: uuid.nullable(),
  actorEmail: z.string().nullable(),
  format: exportFormat,
  filters: exportFilters,
  /** Rows served (lines, CSV data rows or Parquet rows); null when the download was cut short. */
  rows: z.number().nullable(),
  bytes: z.number(),
  sha256: z.string(),
  createdAt: isoDate,
});
export type ExportLogEntry = z.infer<typeof exportLogEntry>;
export const exportLogResponse = z.object({ exports: z.array(exportLogEntry) });

/* ---------- Preview as rater ---------- */

/** An assignment-shaped view of a real pair; no lease is taken and nothing is recorded. */
export const taskPreviewResponse = z.object({
  preview: z.literal(true),
  assignment: assignment.nullable(),
  pair: z.object({ id: uuid, externalId: z.string() }).nullable(),
});
export type TaskPreviewResponse = z.infer<typeof taskPreviewResponse>;

/* ---------- A rater's recent activity ---------- */

export const raterActivity = z.object({
  judgments: z.array(
    z.object({
      id: uuid,
      taskId: uuid,
      taskName: z.string(),
      externalId: z.string(),
      /** Relative to the pair: negative prefers A. */
      preference: z.number(),
      timeMs: z.number().nullable(),
      createdAt: isoDate,
    }),
  ),
  /** Admin actions about this user, newest first. */
  audit: z.array(auditEntry),
});
export type RaterActivity = z.infer<typeof raterActivity>;
