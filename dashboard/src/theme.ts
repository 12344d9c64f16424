import { byId } from './dom';

/**
 * Light and dark themes: the system's preference by default (CSS color-scheme with light-dark()), or
 * the user's choice from the toggle, kept in localStorage and applied as <html data-theme>.
 */
type Choice = 'auto' | 'light' | 'dark';
const KEY = 'plg.theme';
const ORDER: readonly Choice[] = ['auto', 'light', 'dark'];

function stored(): Choice {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'auto';
  } catch {
    return 'auto';
  }
}

function apply(choice: Choice): void {
  if (choice === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
  byId('theme-toggle').textContent = `Theme: ${choice}`;
}

/** Applies the stored choice and wires the toggle; `onChange` redraws what reads colours from CSS (the chart). */
export function initTheme(onChange: () => void): void {
  let choice = stored();
  apply(choice);
  byId('theme-toggle').addEventListener('click', () => {
    choice = ORDER[(ORDER.indexOf(choice) + 1) % ORDER.length] ?? 'auto';
    try {
      if (choice === 'auto') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, choice);
    } catch {
      // Private mode without storage: the choice lasts for this page only.
    }
    apply(choice);
    onChange();
  });
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', onChange);
}

/**
 * A colour custom property as the theme resolves it now (for the chart's canvas). The properties hold
 * `light-dark(…)`, which only a colour property resolves, so it is read through one.
 */
export function cssVar(name: string): string {
  const probe = document.createElement('span');
  probe.hidden = true;
  probe.style.color = `var(${name})`;
  document.body.append(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour;
}

/**
 * The colour of a custom property at `percent` opacity, as the browser computes it. Appending a hex
 * alpha to the computed colour does not work: the browser gives `rgb(...)` (or `color(...)`), and
 * "rgb(...)bb" is no colour at all (the chart filled its phases black).
 */
export function cssVarWithOpacity(name: string, percent: number): string {
  const probe = document.createElement('span');
  probe.hidden = true;
  probe.style.color = `color-mix(in srgb, var(${name}) ${percent}%, transparent)`;
  document.body.append(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour;
}
