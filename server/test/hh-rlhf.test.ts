import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, it, expect } from 'vitest';
import { pairInput } from '@anchor/shared';
import { hhLineToPair, type HhRlhfLine } from '../src/demo/hh-rlhf.js';

const FIXTURE = new URL('./fixtures/hh-rlhf-harmless-test.jsonl.gz', import.meta.url);

describe('hhLineToPair', () => {
  it('turns a multi-turn transcript into a message-list prompt and the two final replies', () => {
    const shared =
      '\n\nHuman: How do I greet my host?\n\nAssistant: Where are you visiting?\n\nHuman:  Japan, next month. ';
    const result = hhLineToPair(
      {
        chosen: `${shared}\n\nAssistant: A slight bow is polite; follow your host's lead.`,
        rejected: `${shared}\n\nAssistant: Just shake hands firmly.`,
      },
      7,
    );
    expect(result).toEqual({
      externalId: 'hh-7',
      prompt: [
        { role: 'user', content: 'How do I greet my host?' },
        { role: 'assistant', content: 'Where are you visiting?' },
        { role: 'user', content: 'Japan, next month.' },
      ],
      responseA: { text: "A slight bow is polite; follow your host's lead." },
      responseB: { text: 'Just shake hands firmly.' },
      tags: { source: 'hh-rlhf-harmless' },
    });
    expect(pairInput.safeParse(result).success).toBe(true);
  });

  it('handles a single-turn transcript', () => {
    const result = hhLineToPair(
      { chosen: '\n\nHuman: Hi\n\nAssistant: Hello!', rejected: '\n\nHuman: Hi\n\nAssistant: What?' },
      0,
    );
    expect(result).toMatchObject({
      externalId: 'hh-0',
      prompt: [{ role: 'user', content: 'Hi' }],
      responseA: { text: 'Hello!' },
      responseB: { text: 'What?' },
    });
  });

  it('keeps a reply that runs on past its own "Assistant:" marker whole', () => {
    const result = hhLineToPair(
      {
        chosen: '\n\nHuman: Hi\n\nAssistant: Hello.\n\nAssistant: Anything else?',
        rejected: '\n\nHuman: Hi\n\nAssistant: Hey.',
      },
      1,
    );
    expect(result).toMatchObject({
      prompt: [{ role: 'user', content: 'Hi' }],
      responseA: { text: 'Hello.\n\nAssistant: Anything else?' },
      responseB: { text: 'Hey.' },
    });
  });

  it('reports transcripts whose prompts differ', () => {
    const result = hhLineToPair(
      {
        chosen: '\n\nHuman: Tell me a joke.\n\nAssistant: Why did the chicken cross the road?',
        rejected: '\n\nHuman: Tell me a story.\n\nAssistant: Once upon a time.',
      },
      3,
    );
    expect(result).toEqual({ error: expect.stringMatching(/same prompt/) });
  });

  it('reports a prompt that differs only in its earlier turns', () => {
    const result = hhLineToPair(
      {
        chosen: '\n\nHuman: A\n\nAssistant: B\n\nHuman: C\n\nAssistant: D',
        rejected: '\n\nHuman: A\n\nAssistant: X\n\nHuman: C\n\nAssistant: E',
      },
      4,
    );
    expect(result).toHaveProperty('error');
  });

  it('reports an empty reply, a missing reply and a missing Human turn', () => {
    const ok = '\n\nHuman: Hi\n\nAssistant: Hello';
    expect(hhLineToPair({ chosen: '\n\nHuman: Hi\n\nAssistant:', rejected: ok }, 0)).toEqual({
      error: expect.stringMatching(/chosen.*empty/),
    });
    expect(hhLineToPair({ chosen: ok, rejected: '\n\nHuman: Hi' }, 0)).toEqual({
      error: expect.stringMatching(/rejected/),
    });
    expect(hhLineToPair({ chosen: 'Hello there', rejected: ok }, 0)).toHaveProperty('error');
  });
});

describe('the hh-rlhf harmless-base test fixture', () => {
  const lines = gunzipSync(readFileSync(FIXTURE))
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');

  it('has 2,312 lines', () => {
    expect(lines).toHaveLength(2312);
  });

  it('converts every line with a non-empty chosen reply into a valid pair', () => {
    const failed: number[] = [];
    const invalid: { index: number; issues: unknown }[] = [];
    const externalIds = new Set<string>();
    lines.forEach((text, index) => {
      const result = hhLineToPair(JSON.parse(text) as HhRlhfLine, index);
      if ('error' in result) {
        failed.push(index);
        return;
      }
      const parsed = pairInput.safeParse(result);
      if (!parsed.success) invalid.push({ index, issues: parsed.error.issues });
      externalIds.add(result.externalId ?? '');
    });
    expect(invalid).toEqual([]);
    // These four lines have an empty chosen reply upstream ("...\n\nAssistant:" and nothing after it).
    expect(failed).toEqual([86, 516, 925, 1103]);
    expect(externalIds.size).toBe(2308);
  });
});
