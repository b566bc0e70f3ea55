import { scaleHalf } from '@anchor/shared';
import type { Translate } from '@/i18n';

type Strength = 'better' | 'slightly' | 'somewhat' | 'clearly' | 'much';

/** How strongly one side wins, by distance from the middle, for each half-width m = floor(P/2) the scale allows. */
const strengthsByHalf: Record<number, readonly Strength[]> = {
  1: ['better'],
  2: ['slightly', 'much'],
  3: ['slightly', 'better', 'much'],
  4: ['slightly', 'somewhat', 'clearly', 'much'],
};

/** "Left much better" … "Tie" … "Right much better" for a screen-relative choice on a P-point scale. */
export function choiceLabel(t: Translate, choice: number, points: number): string {
  if (choice === 0) return t('scale.tie');
  const half = scaleHalf(points);
  const n = Math.abs(choice);
  const key = strengthsByHalf[half]?.[n - 1];
  const strength = key ? t(`scale.strength.${key}`) : t('scale.strength.nth', { n: String(n), of: String(half) });
  return choice < 0 ? t('scale.left', { strength }) : t('scale.right', { strength });
}
