import { describe, expect, it } from 'vitest';
import { applyTheme } from './theme';

function root() {
  const classes = new Set<string>();
  return {
    classList: { toggle: (name: string, on: boolean) => (on ? classes.add(name) : classes.delete(name)) },
    style: { colorScheme: '' },
    classes,
  };
}

describe('theme', () => {
  it('is dark when chosen, or when following a dark system; native parts follow', () => {
    const cases = [['dark', false], ['light', true], ['system', true], ['system', false]] as const;
    const results = cases.map(([theme, systemDark]) => {
      const element = root();
      applyTheme(theme, element as unknown as HTMLElement, systemDark);
      return [element.classes.has('dark'), element.style.colorScheme];
    });
    expect(results).toEqual([[true, 'dark'], [false, 'light'], [true, 'dark'], [false, 'light']]);
  });
});
