import {
  demographicsConsent,
  type Demographics,
  type MyJudgment,
  type MyJudgmentsResponse,
  type MyStats,
  type PatchProfileBody,
  type Prompt,
  type ProfileResponse,
} from '@anchor/shared';
import { errors } from '../../errors.js';
import type { MeRepository, MyJudgmentRow } from './me.repository.js';

const EXCERPT_CHARS = 240;

/** A prompt as one short line of text: a string prompt, or a conversation's last user turn. */
export function promptExcerpt(prompt: Prompt): string {
  const text =
    typeof prompt === 'string'
      ? prompt
      : ([...prompt].reverse().find((m) => m.role === 'user')?.content ?? prompt.at(-1)?.content ?? '');
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}

function presentJudgment(row: MyJudgmentRow): MyJudgment {
  return {
    id: row.id,
    taskId: row.task_id,
    taskName: row.task_name,
    promptExcerpt: promptExcerpt(row.prompt as Prompt),
    choice: row.choice,
    scalePoints: row.scale_points,
    rationale: row.rationale,
    flags: row.flags,
    timeMs: row.time_ms,
    createdAt: row.created_at.toISOString(),
  };
}

/** The rater's own world: profile, consent, history and figures. Every method acts on the caller only. */
export class MeService {
  constructor(private readonly me: MeRepository) {}

  async profile(userId: string): Promise<ProfileResponse> {
    const row = await this.me.profile(userId);
    if (!row) throw errors.notFound('Your account');
    return {
      profile: {
        id: row.id,
        email: row.email,
        displayName: row.display_name,
        country: row.country,
        languages: row.languages,
        demographics: row.consent_version ? ((row.demographics as Demographics | null) ?? {}) : null,
        consent:
          row.consent_version && row.consent_given_at
            ? { version: row.consent_version, givenAt: row.consent_given_at.toISOString() }
            : null,
      },
      consentText: { version: demographicsConsent.version, text: demographicsConsent.text },
    };
  }

  async updateProfile(userId: string, patch: PatchProfileBody): Promise<ProfileResponse> {
    if (patch.demographics !== undefined && patch.demographics !== null) {
      const current = await this.me.profile(userId);
      if (current?.consent_version !== demographicsConsent.version) {
        throw errors.conflict(
          'Demographics are stored only with your consent: agree to the current consent text first (POST /api/me/consent).',
        );
      }
    }
    await this.me.updateProfile(userId, {
      ...(patch.country !== undefined ? { country: patch.country } : {}),
      ...(patch.languages !== undefined ? { languages: [...new Set(patch.languages)] } : {}),
      ...(patch.demographics !== undefined ? { demographics: dropEmpty(patch.demographics) } : {}),
    });
    return this.profile(userId);
  }

  async giveConsent(userId: string, version: string): Promise<ProfileResponse> {
    if (version !== demographicsConsent.version) {
      throw errors.conflict(
        `The consent text has changed (now version ${demographicsConsent.version}); reload the page and read it again.`,
      );
    }
    await this.me.giveConsent(userId, version);
    return this.profile(userId);
  }

  async withdrawConsent(userId: string): Promise<ProfileResponse> {
    await this.me.withdrawConsent(userId);
    return this.profile(userId);
  }

  async judgments(userId: string, limit: number, cursor?: string): Promise<MyJudgmentsResponse> {
    const rows = await this.me.judgments(userId, limit + 1, cursor);
    const page = rows.slice(0, limit);
    return {
      judgments: page.map(presentJudgment),
      nextCursor: rows.length > limit ? (page.at(-1)?.seq ?? null) : null,
    };
  }

  async stats(userId: string, taskId?: string): Promise<MyStats> {
    const row = await this.me.stats(userId, taskId);
    return {
      judgments: row.judgments,
      judgedToday: row.judged_today,
      medianTimeMs: row.median_time_ms,
      skips: row.skips,
    };
  }
}

/** Blank answers are not answers: they are left out rather than stored as empty strings. */
function dropEmpty(d: Demographics | null): Demographics | null {
  if (d === null) return null;
  return Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined && v !== ''));
}
