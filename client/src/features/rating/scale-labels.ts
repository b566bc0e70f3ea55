import { scaleHalf } from '@anchor/shared';

/** How strongly one side wins, by distance from the middle, for each half-width m = floor(P/2) the scale allows. */
const strengthsByHalf: Record<number, readonly string[]> = {
  1: ['better'],
  2: ['slightly better', 'much better'],
  3: ['slightly better', 'better', 'much better'],
  4: ['slightly better', 'somewhat better', 'clearly better', 'much better'],
};

/** "Left much better" … "Tie" … "Right much better" for a screen-relative choice on a P-point scale. */
export function choiceLabel(choice: number, points: number): string {
  if (choice === 0) return 'Tie';
  const half = scaleHalf(points);
  const strength = Math.abs(choice);
  const side = choice < 0 ? 'Left' : 'Right';
  const word = strengthsByHalf[half]?.[strength - 1] ?? `better (${strength} of ${half})`;
  return `${side} ${word}`;
}
