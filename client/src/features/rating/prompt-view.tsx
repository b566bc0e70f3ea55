import type { Message, Prompt } from '@anchor/shared';
import { useTranslation } from '@/i18n';
import { Markdown } from './markdown';

/** A prompt is a single text or a conversation whose last turn the two responses answer; roles stay visible. */
export function PromptView({ prompt, lang }: { prompt: Prompt; lang?: string | undefined }) {
  const { t } = useTranslation();
  if (typeof prompt === 'string') return <Markdown text={prompt} className="prompt__text" lang={lang} />;
  return (
    <ol className="conversation">
      {prompt.map((message: Message, index) => (
        <li key={index} className={`conversation__turn conversation__turn--${message.role}`}>
          <p className="conversation__role">{t(`judging.roles.${message.role}`)}</p>
          <Markdown text={message.content} lang={lang} />
        </li>
      ))}
    </ol>
  );
}
