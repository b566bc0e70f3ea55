import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Nodes, Parents } from 'mdast';
import { memo, type ReactNode } from 'react';
import { useTranslation } from '@/i18n';

/**
 * Untrusted Markdown (prompts, responses, instructions) rendered safely: micromark parses it (CommonMark), and this
 * turns the syntax tree into React elements itself. Nothing is ever set as HTML, so raw HTML in the text (`<script>`,
 * `<img onerror>`, …) is shown as the literal text it is; links keep only http(s) and mailto addresses and open in a
 * new tab without a referrer; images never load (their alt text is shown instead). Every block gets `dir="auto"`,
 * so each paragraph of Arabic, Hebrew or Urdu lays out right to left on its own.
 */

const SAFE_URL = /^(https?:|mailto:)/i;

/** The link's address when it is safe to follow, else null (javascript:, data:, vbscript:, relative tricks…). */
export function safeHref(url: string): string | null {
  const trimmed = url.trim();
  if (!SAFE_URL.test(trimmed)) return null;
  try {
    const parsed = new URL(trimmed);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' || parsed.protocol === 'mailto:'
      ? parsed.href
      : null;
  } catch {
    return null;
  }
}

interface Labels {
  image: (alt: string) => string;
}

function children(node: Parents, labels: Labels): ReactNode[] {
  return node.children.map((child, index) => render(child as Nodes, labels, index));
}

function render(node: Nodes, labels: Labels, key: number): ReactNode {
  switch (node.type) {
    case 'root':
      return <>{children(node, labels)}</>;
    case 'paragraph':
      return (
        <p key={key} dir="auto">
          {children(node, labels)}
        </p>
      );
    case 'heading':
      // Headings inside a response are part of its text, not of the page's outline.
      return (
        <p key={key} dir="auto" className={`md-heading md-heading--${node.depth}`}>
          {children(node, labels)}
        </p>
      );
    case 'text':
      return node.value;
    case 'emphasis':
      return <em key={key}>{children(node, labels)}</em>;
    case 'strong':
      return <strong key={key}>{children(node, labels)}</strong>;
    case 'delete':
      return <del key={key}>{children(node, labels)}</del>;
    case 'inlineCode':
      return <code key={key}>{node.value}</code>;
    case 'code':
      return (
        <pre key={key} dir="ltr" className="md-code" tabIndex={0}>
          <code>{node.value}</code>
        </pre>
      );
    case 'blockquote':
      return (
        <blockquote key={key} dir="auto">
          {children(node, labels)}
        </blockquote>
      );
    case 'list': {
      const items = children(node, labels);
      return node.ordered ? (
        <ol key={key} dir="auto" start={node.start ?? undefined}>
          {items}
        </ol>
      ) : (
        <ul key={key} dir="auto">
          {items}
        </ul>
      );
    }
    case 'listItem':
      return (
        <li key={key} dir="auto">
          {node.spread ? children(node, labels) : unwrapParagraphs(node, labels)}
        </li>
      );
    case 'thematicBreak':
      return <hr key={key} />;
    case 'break':
      return <br key={key} />;
    case 'link': {
      const href = safeHref(node.url);
      if (!href) return <span key={key}>{children(node, labels)}</span>;
      return (
        <a key={key} href={href} target="_blank" rel="noopener noreferrer nofollow" referrerPolicy="no-referrer">
          {children(node, labels)}
        </a>
      );
    }
    case 'linkReference':
      return <span key={key}>{children(node, labels)}</span>;
    case 'image':
    case 'imageReference':
      return (
        <span key={key} className="md-image">
          {labels.image(node.alt ?? '')}
        </span>
      );
    case 'html':
      // Raw HTML is text here: the rater sees exactly what the model wrote, and none of it runs.
      return node.value;
    case 'definition':
      return null;
    default:
      return 'children' in node ? <span key={key}>{children(node, labels)}</span> : null;
  }
}

/** A tight list item's paragraphs render inline, as a browser would show `<li>text</li>`. */
function unwrapParagraphs(node: Parents, labels: Labels): ReactNode[] {
  return node.children.map((child, index) =>
    child.type === 'paragraph' ? (
      <span key={index}>{children(child, labels)}</span>
    ) : (
      render(child as Nodes, labels, index)
    ),
  );
}

interface MarkdownProps {
  text: string;
  className?: string;
  /** The text's language, when known. */
  lang?: string | undefined;
}

/** Renders untrusted Markdown as React elements (see above). Parsing is memoised per text. */
export const Markdown = memo(function Markdown({ text, className, lang }: MarkdownProps) {
  const { t } = useTranslation();
  const labels: Labels = {
    image: (alt) => (alt ? t('markdown.image', { alt }) : t('markdown.imageNoAlt')),
  };
  let tree: Nodes;
  try {
    tree = fromMarkdown(text);
  } catch {
    // Never expected from CommonMark (every input parses), but a parser bug must not hide the text.
    return (
      <div className={className ? `text-block ${className}` : 'text-block'} dir="auto" lang={lang}>
        {text}
      </div>
    );
  }
  return (
    <div className={className ? `markdown ${className}` : 'markdown'} dir="auto" lang={lang}>
      {render(tree, labels, 0)}
    </div>
  );
});
