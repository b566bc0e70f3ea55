import type { Message, PairInput } from '@anchor/shared';

/** One line of Anthropic's hh-rlhf dataset: two transcripts that share a prompt and differ in the last reply. */
export interface HhRlhfLine {
  chosen: string;
  rejected: string;
}

type Role = 'user' | 'assistant';

interface Turn {
  role: Role;
  content: string;
}

// Captures the speaker so that `split` keeps it: [preamble, speaker, text, speaker, text, ...].
const TURN_MARKER = /\n\n(Human|Assistant):/;

function splitTurns(transcript: string): { preamble: string; turns: Turn[] } {
  const parts = transcript.split(TURN_MARKER);
  const turns: Turn[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) {
    turns.push({ role: parts[i] === 'Human' ? 'user' : 'assistant', content: parts[i + 1] ?? '' });
  }
  return { preamble: parts[0] ?? '', turns };
}

/**
 * The prompt is every turn up to and including the last Human turn; the reply is what follows it.
 * A reply that itself contains an "\n\nAssistant:" marker (the model ran on) is kept whole, markers and all,
 * so that the shared prompt is found even then.
 */
function parseTranscript(transcript: string, which: string): { prompt: Message[]; reply: string } | { error: string } {
  const { preamble, turns } = splitTurns(transcript);
  if (preamble.trim() !== '') return { error: `${which} does not start with a "Human:" turn` };
  const lastHuman = turns.findLastIndex((turn) => turn.role === 'user');
  if (lastHuman === -1) return { error: `${which} has no "Human:" turn` };
  const after = turns.slice(lastHuman + 1);
  if (after.length === 0) return { error: `${which} ends with a "Human:" turn instead of an "Assistant:" reply` };
  const reply = after.map((turn) => turn.content).join('\n\nAssistant:');
  if (reply.trim() === '') return { error: `${which} has an empty final "Assistant:" reply` };
  const prompt = turns.slice(0, lastHuman + 1).map(({ role, content }) => ({ role, content: content.trim() }));
  return { prompt, reply: reply.trim() };
}

function samePrompt(a: readonly Message[], b: readonly Message[]): boolean {
  return a.length === b.length && a.every((m, i) => m.role === b[i]?.role && m.content === b[i]?.content);
}

/**
 * Converts one hh-rlhf line into Anchor's import shape: response A is the chosen reply, response B the rejected one.
 * `index` is the 0-based line number, which makes the external id (`hh-<index>`) stable across re-imports.
 */
export function hhLineToPair(line: HhRlhfLine, index: number): PairInput | { error: string } {
  const chosen = parseTranscript(line.chosen, 'chosen');
  if ('error' in chosen) return chosen;
  const rejected = parseTranscript(line.rejected, 'rejected');
  if ('error' in rejected) return rejected;
  if (!samePrompt(chosen.prompt, rejected.prompt)) {
    return { error: 'chosen and rejected do not share the same prompt' };
  }
  return {
    externalId: `hh-${index}`,
    prompt: chosen.prompt,
    responseA: { text: chosen.reply },
    responseB: { text: rejected.reply },
    tags: { source: 'hh-rlhf-harmless' },
  };
}
