import {
  DAWID_SKENE_CLASSES,
  QUALITY_DEFAULTS,
  type LeaderboardQuery,
  type LeaderboardResponse,
  type RaterStatsQuery,
  type RaterStatsResponse,
  type TaskQualityQuery,
  type TaskQualityResponse,
} from '@anchor/shared';
import { errors } from '../../errors.js';
import { leaderboard, type BattleCounts } from '../../quality/bradley-terry.js';
import { dawidSkene, ObservationBuffer } from '../../quality/dawid-skene.js';
import { fromEntries, krippendorffAlpha, type CoincidenceEntry } from '../../quality/krippendorff.js';
import {
  agreementWithMajority,
  RaterAccumulator,
  type JudgmentFacts,
  type LeaveOneOutRow,
  type RaterFigures,
  type Thresholds,
} from '../../quality/raters.js';
import {
  groupKey,
  groupValue,
  parseGrouping,
  type JudgmentRow,
  type LeaveOneOutCounts,
  type QualityRepository,
} from './quality.repository.js';

const facts = (row: JudgmentRow): JudgmentFacts => ({
  choice: row.choice,
  preference: row.preference,
  timeMs: row.time_ms,
  gold: row.gold,
});

const looRow = (r: LeaveOneOutCounts): LeaveOneOutRow => ({
  own: r.own,
  n: r.n,
  others: { a: r.a, tie: r.tie, b: r.b },
});

function byKey<T extends { group: string }>(rows: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.group);
    if (list) list.push(row);
    else map.set(row.group, [row]);
  }
  return map;
}

function alphas(ordinal: readonly CoincidenceEntry[], nominal: readonly CoincidenceEntry[]) {
  return {
    alphaOrdinal: krippendorffAlpha(fromEntries(ordinal), 'ordinal'),
    alphaNominal: krippendorffAlpha(fromEntries(nominal), 'nominal'),
  };
}

/** Figures of a rater-ordered judgment stream: one accumulator per rater, finished when the next rater starts. */
class PerRater {
  readonly figures = new Map<string, RaterFigures>();
  private raterId: string | undefined;
  private accumulator: RaterAccumulator | undefined;

  constructor(private readonly thresholds: Thresholds) {}

  add(rows: readonly JudgmentRow[]): void {
    for (const row of rows) {
      if (row.rater_id !== this.raterId) {
        this.finish();
        this.raterId = row.rater_id;
        this.accumulator = new RaterAccumulator(this.thresholds);
      }
      this.accumulator!.add(facts(row));
    }
  }

  finish(): Map<string, RaterFigures> {
    if (this.raterId !== undefined) this.figures.set(this.raterId, this.accumulator!.result());
    return this.figures;
  }
}

const publicFigures = (f: RaterFigures, loo: { agreement: number | null; pairs: number }) => ({
  ...f,
  agreementWithMajority: loo.agreement,
  agreementPairs: loo.pairs,
});

export class QualityService {
  constructor(private readonly quality: QualityRepository) {}

  /**
   * Bradley–Terry leaderboard. PostgreSQL returns win/tie counts per model pairing (a few rows however many
   * judgments); the fit and the bootstrap (multinomial resampling of those counts) run here, after the snapshot's
   * transaction has ended.
   */
  async leaderboard(taskId: string, query: LeaderboardQuery): Promise<LeaderboardResponse> {
    const by = query.groupBy ?? (query.group !== undefined ? 'country' : null);
    const grouping = by === null ? null : parseGrouping(by);
    const group = query.group !== undefined && grouping?.kind === 'country' ? query.group.toUpperCase() : query.group;
    const bootstrap = { rounds: query.rounds, seed: query.seed, confidence: QUALITY_DEFAULTS.confidence };
    const head = { bootstrap, groupBy: by, group: group ?? null };

    const data = await this.quality.snapshot(async (reader) => ({
      overall:
        grouping && group !== undefined
          ? await reader.battleCounts(taskId, grouping, groupKey(group))
          : await reader.battleCounts(taskId, null),
      perGroup: grouping && group === undefined ? await reader.battleCounts(taskId, grouping) : null,
    }));
    const board = (counts: readonly BattleCounts[]) => leaderboard(counts, bootstrap);
    return {
      ...board(data.overall),
      ...head,
      ...(data.perGroup && {
        groups: [...byKey(data.perGroup)].map(([key, counts]) => ({ group: groupValue(key), ...board(counts) })),
      }),
    };
  }

  async taskQuality(taskId: string, query: TaskQualityQuery): Promise<TaskQualityResponse> {
    const grouping = parseGrouping(query.groupBy);
    const thresholds: Thresholds = { tooFastMs: query.tooFastMs, straightLiningRun: query.straightLiningRun };
    const perRater = new PerRater(thresholds);
    // Dawid–Skene needs every (pair, rater, sign) of the task at once: 12 bytes per judgment in typed arrays (12 MB
    // for a million judgments), plus 3 floats per pair and 9 per rater while EM runs. Rater ids are interned here.
    const observations = new ObservationBuffer();
    const workers = new Map<string, number>();
    let items = 0;

    const data = await this.quality.snapshot(async (reader) => {
      const raters = await reader.taskRaters(taskId);
      const ordinal = await reader.coincidences(taskId, null, false);
      const nominal = await reader.coincidences(taskId, null, true);
      const groupOrdinal = await reader.coincidences(taskId, grouping, false);
      const groupNominal = await reader.coincidences(taskId, grouping, true);
      const groupSizes = await reader.groupSizes(taskId, grouping);
      await reader.scanTaskJudgments(taskId, (rows) => perRater.add(rows));
      const leaveOneOut = await reader.leaveOneOutForTask(taskId);
      await reader.scanSignTriples(taskId, (rows) => {
        for (const r of rows) {
          let w = workers.get(r.rater_id);
          if (w === undefined) workers.set(r.rater_id, (w = workers.size));
          observations.push(r.item, w, r.label);
          items = Math.max(items, r.item + 1);
        }
      });
      return { raters, ordinal, nominal, groupOrdinal, groupNominal, groupSizes, leaveOneOut };
    });

    const figures = perRater.finish();
    const ds = dawidSkene(observations.observations(), {
      items,
      workers: workers.size,
      classes: DAWID_SKENE_CLASSES.length,
    });
    const looByRater = new Map<string, LeaveOneOutRow[]>();
    for (const r of data.leaveOneOut) {
      const list = looByRater.get(r.rater_id);
      if (list) list.push(looRow(r));
      else looByRater.set(r.rater_id, [looRow(r)]);
    }
    const ordinalByGroup = byKey(data.groupOrdinal);
    const nominalByGroup = byKey(data.groupNominal);

    const raters = data.raters.flatMap((u) => {
      const f = figures.get(u.id);
      if (!f) return [];
      const w = workers.get(u.id);
      return [
        {
          raterId: u.id,
          displayName: u.display_name,
          country: u.country,
          ...publicFigures(f, agreementWithMajority(looByRater.get(u.id) ?? [])),
          dawidSkeneAccuracy: w === undefined ? null : ds.accuracy[w]!,
          dawidSkeneConfusion: w === undefined ? null : ds.confusion[w]!,
        },
      ];
    });
    const nonTie = raters.reduce((s, r) => s + r.nonTieJudgments, 0);
    const left = raters.reduce((s, r) => s + r.leftJudgments, 0);

    return {
      taskId,
      agreement: {
        ...alphas(data.ordinal, data.nominal),
        groupBy: query.groupBy,
        byGroup: data.groupSizes.map((g) => ({
          group: groupValue(g.group),
          ...alphas(ordinalByGroup.get(g.group) ?? [], nominalByGroup.get(g.group) ?? []),
          judgments: g.judgments,
          raters: g.raters,
        })),
      },
      positionBias: {
        leftShare: nonTie > 0 ? left / nonTie : null,
        byRater: raters.map((r) => ({
          raterId: r.raterId,
          leftShare: r.leftShare,
          nonTieJudgments: r.nonTieJudgments,
        })),
      },
      dawidSkene: {
        classes: [...DAWID_SKENE_CLASSES],
        priors: ds.priors,
        pairs: items,
        judgments: observations.length,
        iterations: ds.iterations,
        converged: ds.converged,
      },
      raters,
      thresholds,
    };
  }

  /** One rater's figures over all tasks, or one; 404 for an unknown rater. */
  async raterStats(raterId: string, query: RaterStatsQuery): Promise<RaterStatsResponse> {
    const thresholds: Thresholds = { tooFastMs: query.tooFastMs, straightLiningRun: query.straightLiningRun };
    const accumulator = new RaterAccumulator(thresholds);
    const leaveOneOut = await this.quality.snapshot(async (reader) => {
      if (!(await reader.userExists(raterId))) throw errors.notFound('That rater');
      await reader.scanRaterJudgments(raterId, query.taskId, (rows) => rows.forEach((r) => accumulator.add(facts(r))));
      return reader.leaveOneOutForRater(raterId, query.taskId);
    });
    return {
      raterId,
      taskId: query.taskId ?? null,
      ...publicFigures(accumulator.result(), agreementWithMajority(leaveOneOut.map(looRow))),
      thresholds,
    };
  }
}
