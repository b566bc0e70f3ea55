import type { ExportFormat, ExportManifest } from '@anchor/shared';

/**
 * A README.md in Hugging Face's dataset-card format: YAML front matter (the Hub's metadata fields) and a body whose
 * sections follow the Croissant RAI vocabulary (rai:dataCollection, rai:annotatorDemographics,
 * rai:dataAnnotationProtocol, rai:dataAnnotationAnalysis, …). Everything in it comes from the manifest and the task,
 * so the same export gives the same card, byte for byte.
 */
export interface CardTask {
  id: string;
  name: string;
  instructions: string;
  scale_points: number;
  judgments_per_pair: number;
  min_judgments: number | null;
  max_judgments: number | null;
  gold_rate: number;
  gold_min_accuracy: number | null;
  assignment_order: string;
}

type CardManifest = Omit<ExportManifest, 'datasetCard'>;

const describe: Record<ExportFormat, string> = {
  dpo: 'Preference pairs in TRL’s format: `prompt`, `chosen`, `rejected` (strings, or message lists for conversations), one row per decided pair.',
  reward:
    'Preference pairs for reward modelling: the dpo rows with a `margin` ≥ 0 giving the strength of the preference.',
  kto: 'Unpaired preference data in TRL’s KTO format: `prompt`, `completion`, `label` (true for the chosen completion, false for the rejected one).',
  openai:
    'OpenAI preference fine-tuning rows: `input.messages`, `preferred_output`, `non_preferred_output`, one per decided pair.',
  annotations:
    'Every judgment with its pair, pseudonymous rater, rater profile, timings, flags, rationale, display side and chain position.',
  csv: 'Every judgment as CSV (the annotations, lists joined with `;`).',
  disagreements:
    'One row per judged pair with every rater’s vote, vote counts per sign and the soft label `pAOverB` = (A votes + ½ ties) / n.',
  battles:
    'One row per judgment in Chatbot Arena’s battle form (`model_a`, `model_b`, `winner`: model_a, model_b or tie).',
  parquet: 'Every judgment (the annotations) as a Parquet file.',
};

const taskCategory: Record<ExportFormat, string> = {
  dpo: 'text-generation',
  reward: 'text-classification',
  kto: 'text-generation',
  openai: 'text-generation',
  annotations: 'text-classification',
  csv: 'text-classification',
  disagreements: 'text-classification',
  battles: 'text-classification',
  parquet: 'text-classification',
};

/** The Hub's size buckets. */
export function sizeCategory(rows: number): string {
  const buckets: Array<[number, string]> = [
    [1e3, 'n<1K'],
    [1e4, '1K<n<10K'],
    [1e5, '10K<n<100K'],
    [1e6, '100K<n<1M'],
    [1e7, '1M<n<10M'],
    [1e8, '10M<n<100M'],
    [1e9, '100M<n<1B'],
  ];
  return buckets.find(([limit]) => rows < limit)?.[1] ?? 'n>1B';
}

/** A YAML scalar: JSON's double-quoted strings are valid YAML. */
const yaml = (value: string): string => JSON.stringify(value);

const fixed = (value: number | null, digits = 3): string => (value === null ? 'n/a' : value.toFixed(digits));

function table(counts: Record<string, number>, label: string): string[] {
  const entries = Object.entries(counts);
  if (entries.length === 0) return [`_No ${label.toLowerCase()} recorded._`];
  return [`| ${label} | raters |`, '| --- | --- |', ...entries.map(([k, n]) => `| ${k} | ${n} |`)];
}

function filtersText(m: CardManifest): string[] {
  const f = m.filters;
  const out = [
    `- Aggregate: \`${f.aggregate}\`${f.aggregate === 'none' ? ' (one row per non-tie judgment)' : ''}`,
    `- Minimum agreement: ${f.minAgreement}`,
    `- Gold (attention-check) pairs: ${f.includeGold ? 'included' : 'excluded'}`,
    '- Raters paused in the task: excluded',
  ];
  const tags = Object.entries(f.tags);
  if (tags.length > 0) out.push(`- Tags: ${tags.map(([k, v]) => `\`${k}\` = ${JSON.stringify(v)}`).join(', ')}`);
  if (f.country) out.push(`- Rater country: ${f.country}`);
  if (f.from) out.push(`- Judged from: ${f.from}`);
  if (f.to) out.push(`- Judged before: ${f.to}`);
  return out;
}

export function datasetCard(task: CardTask, manifest: CardManifest, filename: string): string {
  const m = manifest;
  const languages = Object.keys(m.raters.byLanguage).map((l) => l.toLowerCase());
  const tags = [
    'human-feedback',
    'preference',
    'rlhf',
    m.format === 'parquet' || m.format === 'csv' ? 'annotations' : m.format,
  ];
  const dropped = Object.entries(m.dropped);
  const redundancy =
    task.min_judgments !== null
      ? `adaptive: ${task.min_judgments} judgments per pair, up to ${task.max_judgments} while raters disagree`
      : `${task.judgments_per_pair} judgments per pair`;
  const half = Math.floor(task.scale_points / 2);
  const instructions = task.instructions.trim();
  const excerpt = instructions.length > 4000 ? `${instructions.slice(0, 4000)}…` : instructions;

  const front = [
    '---',
    'license: unknown',
    `pretty_name: ${yaml(task.name)}`,
    'task_categories:',
    `- ${taskCategory[m.format]}`,
    ...(languages.length > 0 ? ['language:', ...languages.map((l) => `- ${yaml(l)}`)] : []),
    'size_categories:',
    `- ${yaml(sizeCategory(m.counts.rows))}`,
    'annotations_creators:',
    '- crowdsourced',
    'tags:',
    ...tags.map((t) => `- ${t}`),
    'configs:',
    '- config_name: default',
    '  data_files:',
    '  - split: train',
    `    path: ${yaml(filename)}`,
    '---',
  ];

  const body = [
    `# ${task.name}`,
    '',
    `Human preference judgments between two model responses (A/B), collected with Anchor and exported as \`${m.format}\`.`,
    'Set the license in the front matter before publishing.',
    '',
    '## Dataset structure',
    '',
    describe[m.format],
    '',
    `- File: \`${filename}\` (${m.bytes} bytes, SHA-256 \`${m.sha256}\`)`,
    `- Rows: ${m.counts.rows}, from ${m.counts.judgments} judgments of ${m.counts.pairs} pairs by ${m.raters.count} raters`,
    '- Rater ids are pseudonyms (HMAC of the user id, keyed per task): stable within this task, not joinable across tasks.',
    '',
    '### Selection',
    '',
    ...filtersText(m),
    '',
    dropped.length > 0
      ? `Left out: ${dropped.map(([k, n]) => `${k} ${n}`).join(', ')} (judgments, except unjudged, belowAgreement and verdict ties, which count pairs).`
      : 'Nothing was left out.',
    '',
    '## Data collection (rai:dataCollection)',
    '',
    'Pairs of model responses to the same prompt were imported and shown to human raters one at a time, each response on a',
    'randomly chosen side (counterbalanced across a pair’s raters, so that position bias averages out).',
    '',
    '## Annotation process (rai:dataAnnotationProtocol)',
    '',
    `- Scale: ${task.scale_points} points, from “left much better” to “right much better”${task.scale_points % 2 === 1 ? ', with a middle tie' : ' (forced choice)'}; stored as \`preference\` in −${half}..${half} relative to the pair (negative: A better).`,
    `- Redundancy: ${redundancy}; pairs served in \`${task.assignment_order}\` order.`,
    `- Gold attention checks: ${task.gold_rate > 0 ? `${Math.round(task.gold_rate * 100)}% of served items while unseen gold remains` : 'none served'}${task.gold_min_accuracy !== null ? `; raters below ${Math.round(task.gold_min_accuracy * 100)}% gold accuracy are paused and excluded` : ''}.`,
    '- Raters could flag items (harmful, factually wrong, culturally inappropriate, off language, cannot judge) and give a rationale.',
    ...(excerpt ? ['', 'Instructions given to raters:', '', ...excerpt.split('\n').map((l) => `> ${l}`)] : []),
    '',
    '## Annotator demographics (rai:annotatorDemographics)',
    '',
    `${m.raters.count} raters, by the country and languages in their profiles (a rater with several languages counts in each).`,
    '',
    ...table(m.raters.byCountry, 'Country'),
    '',
    ...table(m.raters.byLanguage, 'Language'),
    '',
    '## Annotation analysis (rai:dataAnnotationAnalysis)',
    '',
    `- Krippendorff’s α (ordinal, over the preferences): ${fixed(m.agreement.alphaOrdinal)}`,
    `- Krippendorff’s α (nominal, over A / B / tie): ${fixed(m.agreement.alphaNominal)}`,
    `- Position bias: ${m.positionBias.leftShare === null ? 'n/a' : `${(m.positionBias.leftShare * 100).toFixed(1)}%`} of non-tie judgments preferred the response shown on the left (50% is none).`,
    '',
    '## Provenance',
    '',
    `Every judgment of the task is sealed into a SHA-256 hash chain. At export the chain held ${m.chain.judgments} judgments with head`,
    `\`${m.chain.head}\`; \`npm run verify-chain -- --url DATABASE_URL --task ${task.id} --head ${m.chain.head}\` checks that none of them was edited or removed since.`,
    '',
    '## Personal and sensitive information (rai:personalSensitiveInformation)',
    '',
    'No names or e-mail addresses. Raters appear under pseudonyms with the country, languages and attributes of their profile;',
    'rationales are free text written by raters.',
  ];
  return `${[...front, '', ...body].join('\n')}\n`;
}
