/**
 * Deep links into the dashboard, as notifications make them (shared/notify/core/payloads.ts,
 * `dashboardLink`): `#connection=<connection id>` opens a connection (the Teams card's and Slack
 * message's button), `#target=<target id>` a probe target. Read when the page has loaded and on
 * every `hashchange`, so a second link opened in the same tab moves to its subject too.
 */

export type DeepLink =
  | { readonly kind: 'connection'; readonly ref: string }
  | { readonly kind: 'target'; readonly ref: string };

/** `#connection=%2Fsubscriptions%2F…` → its link; null for any other fragment (or a malformed one). */
export function parseDeepLink(hash: string): DeepLink | null {
  const match = /^#?(connection|target)=(.+)$/.exec(hash);
  if (match === null) return null;
  let ref: string;
  try {
    ref = decodeURIComponent(match[2] ?? '').trim();
  } catch {
    return null;
  }
  if (ref === '') return null;
  return match[1] === 'connection' ? { kind: 'connection', ref } : { kind: 'target', ref };
}

export interface DeepLinkHandlers {
  readonly connection: (ref: string) => void;
  readonly target: (ref: string) => void;
}

/** Follows the current fragment now and every later one. */
export function followDeepLinks(handlers: DeepLinkHandlers): void {
  const follow = () => {
    const link = parseDeepLink(window.location.hash);
    if (link === null) return;
    if (link.kind === 'connection') handlers.connection(link.ref);
    else handlers.target(link.ref);
  };
  window.addEventListener('hashchange', follow);
  follow();
}

/** Scrolls an element into the middle of the view, marks it as the linked one and moves the focus to it. */
export function bringForward(element: HTMLElement, mark: string, among: Iterable<HTMLElement>): void {
  for (const other of among) {
    if (other === element) continue;
    other.classList.remove(mark);
    other.removeAttribute('aria-current');
  }
  element.classList.add(mark);
  element.setAttribute('aria-current', 'true');
  // A row is not focusable by itself; -1 takes it out of the tab order while letting focus land on it.
  if (!element.hasAttribute('tabindex') && element.tagName !== 'BUTTON')
    element.setAttribute('tabindex', '-1');
  element.scrollIntoView({ block: 'center' });
  element.focus({ preventScroll: true });
}
