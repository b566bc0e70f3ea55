import { errorMessage } from '@/lib/api';
import { Alert } from './alert';
import { Button } from './button';

/** A failed load, with its reason and a way to try again. */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <Alert title="Could not load this">
      <p>{errorMessage(error)}</p>
      {onRetry && (
        <Button size="small" onClick={onRetry}>
          Try again
        </Button>
      )}
    </Alert>
  );
}
