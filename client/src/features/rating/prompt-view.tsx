import type { Message, Prompt } from '@anchor/shared';
import { TextBlock } from '@/components/ui';

const roleNames: Record<Message['role'], string> = { system: 'System', user: 'User', assistant: 'Assistant' };

/** A prompt is a single text or a conversation whose last turn the two responses answer. */
export function PromptView({ prompt }: { prompt: Prompt }) {
  if (typeof prompt === 'string') return <TextBlock text={prompt} className="prompt__text" />;
  return (
    <ol className="conversation">
      {prompt.map((message, index) => (
        <li key={index} className={`conversation__turn conversation__turn--${message.role}`}>
          <p className="conversation__role">{roleNames[message.role]}</p>
          <TextBlock text={message.content} />
        </li>
      ))}
    </ol>
  );
}
