/** m = floor(P/2): a choice or preference lies in −m..m. */
export function scaleHalf(points: number): number {
  return Math.floor(points / 2);
}

/** Valid choices on a P-point scale, from "left much better" to "right much better"; 0 only for odd P. */
export function scaleChoices(points: number): number[] {
  const m = scaleHalf(points);
  const choices: number[] = [];
  for (let c = -m; c <= m; c++) if (c !== 0 || points % 2 === 1) choices.push(c);
  return choices;
}

/** Screen-relative choice (negative: left better) → pair-relative preference (negative: A better). */
export function choiceToPreference(choice: number, shownAFirst: boolean): number {
  return shownAFirst ? choice : 0 - choice; // 0 - 0 is +0, so a tie never becomes -0
}
