/**
 * Untrusted text (prompts, model responses, instructions) as a plain text node: never parsed as HTML, line breaks
 * kept, and `dir="auto"` so Arabic or Hebrew lays out right-to-left by its own first strong character.
 */
export function TextBlock({ text, className }: { text: string; className?: string }) {
  return (
    <div className={className ? `text-block ${className}` : 'text-block'} dir="auto">
      {text}
    </div>
  );
}
