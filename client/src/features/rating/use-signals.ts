import { useEffect, useRef } from 'react';
import type { JudgmentSignals } from '@anchor/shared';
import { UI_VERSION } from '@/lib/ui-version';

const MAX_MS = 7 * 24 * 3600 * 1000;

function pageActive(): boolean {
  return document.visibilityState === 'visible' && document.hasFocus();
}

/**
 * Signals that a person did this, measured for one pair from the moment it appears: time the page was visible and
 * focused, focus losses, time to the first choice, pastes and keystrokes in the rationale, viewport width.
 */
export function useSignals() {
  const state = useRef({
    shownAt: performance.now(),
    activeMs: 0,
    activeSince: pageActive() ? performance.now() : (null as number | null),
    focusLosses: 0,
    firstChoiceMs: undefined as number | undefined,
    pasteCount: 0,
    keystrokeCount: 0,
  });

  useEffect(() => {
    const update = () => {
      const s = state.current;
      const now = performance.now();
      if (pageActive()) {
        s.activeSince ??= now;
      } else if (s.activeSince !== null) {
        s.activeMs += now - s.activeSince;
        s.activeSince = null;
        s.focusLosses += 1;
      }
    };
    window.addEventListener('focus', update);
    window.addEventListener('blur', update);
    document.addEventListener('visibilitychange', update);
    return () => {
      window.removeEventListener('focus', update);
      window.removeEventListener('blur', update);
      document.removeEventListener('visibilitychange', update);
    };
  }, []);

  return {
    choiceMade() {
      const s = state.current;
      s.firstChoiceMs ??= performance.now() - s.shownAt;
    },
    paste() {
      state.current.pasteCount += 1;
    },
    keystroke() {
      state.current.keystrokeCount += 1;
    },
    /** Wall-clock time since the pair appeared. */
    elapsedMs(): number {
      return Math.min(MAX_MS, Math.round(performance.now() - state.current.shownAt));
    },
    collect(): JudgmentSignals {
      const s = state.current;
      const active = s.activeMs + (s.activeSince !== null ? performance.now() - s.activeSince : 0);
      return {
        activeMs: Math.min(MAX_MS, Math.round(active)),
        focusLosses: s.focusLosses,
        ...(s.firstChoiceMs !== undefined ? { firstChoiceMs: Math.min(MAX_MS, Math.round(s.firstChoiceMs)) } : {}),
        pasteCount: s.pasteCount,
        keystrokeCount: s.keystrokeCount,
        screenWidth: Math.round(window.innerWidth),
        uiVersion: UI_VERSION,
      };
    },
  };
}
