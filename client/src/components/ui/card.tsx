import { useId, type ReactNode } from 'react';

interface CardProps {
  title?: string;
  /** Controls shown beside the title. */
  actions?: ReactNode;
  className?: string;
  children: ReactNode;
}

/** A titled section of a page; the title labels the region for assistive technology. */
export function Card({ title, actions, className, children }: CardProps) {
  const headingId = useId();
  return (
    <section className={className ? `card ${className}` : 'card'} aria-labelledby={title ? headingId : undefined}>
      {(title || actions) && (
        <div className="card__header">
          {title && (
            <h2 id={headingId} className="card__title">
              {title}
            </h2>
          )}
          {actions && <div className="card__actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}
