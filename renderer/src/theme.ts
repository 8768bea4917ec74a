/**
 * Light, dark, or following the system: the `dark` class on the root element drives Tailwind's `dark:` variant
 * (styles.css), and `color-scheme` makes native parts (scrollbars, form controls) match.
 */
import { useLayoutEffect } from 'react';
import type { Theme } from '../../main/ipc/contract';

const DARK_QUERY = '(prefers-color-scheme: dark)';

export function applyTheme(theme: Theme, root: HTMLElement, systemDark: boolean): void {
  const dark = theme === 'dark' || (theme === 'system' && systemDark);
  root.classList.toggle('dark', dark);
  root.style.colorScheme = dark ? 'dark' : 'light';
}

/** Applies `theme` before paint, and follows the system's changes while it is "system". */
export function useTheme(theme: Theme): void {
  useLayoutEffect(() => {
    const media = window.matchMedia(DARK_QUERY);
    const apply = () => applyTheme(theme, document.documentElement, media.matches);
    apply();
    if (theme !== 'system') return;
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [theme]);
}
