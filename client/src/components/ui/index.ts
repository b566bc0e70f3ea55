export { Alert } from './alert';
export { Badge, type BadgeTone } from './badge';
export { Button, ButtonLink, type ButtonVariant } from './button';
export { Card } from './card';
export { EmptyState } from './empty-state';
export { ErrorMessage } from './error-message';
export { Field, type FieldControlProps } from './field';
export { Loading } from './loading';
export { PageHeader } from './page-header';
export { ProgressBar } from './progress-bar';
export { Stat } from './stat';
export { TextBlock } from './text-block';
// bar-chart and live-counters are imported by path (admin pages only), so they stay out of the raters' bundle.
