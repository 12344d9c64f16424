/** Patterns that take exponential time on a backtracking engine (each extra character doubles it). */
export const CATASTROPHIC_PATTERNS = [
  '^(a+)+$',
  '^(a|a)*$',
  '^(a|aa)+$',
  '^(.*a){20}$',
  '^(a*)*$',
  '^((a+)+)+b$',
  '^(\\w+\\s?)*$',
  '^([a-zA-Z0-9]+)*@$',
  '(x+x+)+y',
];
