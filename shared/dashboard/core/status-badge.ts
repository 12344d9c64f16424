/*
 * A status badge per probe target, as SVG, for wikis and runbooks: "<target> | <condition>", in the
 * shape people know from project READMEs. Pure: names go in as text, escaped for XML, so a target
 * called `<script>` or `a & b` is shown as those characters and never becomes markup.
 */
import type { TargetCondition } from '../../probe/core/probe-summary-types';

/** Words and colour per condition: the words carry the meaning (a colour alone would not). */
const LOOK: Record<TargetCondition, { readonly text: string; readonly fill: string }> = {
  up: { text: 'up', fill: '#157a3f' },
  degraded: { text: 'degraded', fill: '#8a5d00' },
  down: { text: 'down', fill: '#b42a2a' },
  unknown: { text: 'unknown', fill: '#5c6b7a' },
  maintenance: { text: 'maintenance', fill: '#5c6b7a' },
  'awaiting-approval': { text: 'waiting for approval', fill: '#1f6fd1' },
  rejected: { text: 'connection rejected', fill: '#6b4fa0' },
  'not-connected': { text: 'not connected', fill: '#6b4fa0' },
};

/** A badge's left side is cut to this many characters (the full name is in its title). */
export const MAX_LABEL_CHARS = 40;

/** Approximate advance of one character of 11 px Verdana/DejaVu Sans: wide enough for most names. */
const CHAR_WIDTH = 7;
const PADDING = 6;

/**
 * Text for an XML text node or attribute: the five special characters as entities, and the
 * characters XML 1.0 does not allow at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF) dropped.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function statusBadgeSvg(input: {
  readonly name: string;
  readonly condition: TargetCondition;
}): string {
  const look = LOOK[input.condition];
  const chars = [...input.name];
  const label =
    chars.length > MAX_LABEL_CHARS ? `${chars.slice(0, MAX_LABEL_CHARS - 1).join('')}…` : input.name;
  const leftWidth = [...label].length * CHAR_WIDTH + 2 * PADDING;
  const rightWidth = look.text.length * CHAR_WIDTH + 2 * PADDING;
  const width = leftWidth + rightWidth;
  const title = `${input.name}: ${look.text}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${leftWidth}" height="20" fill="#3b4754"/>`,
    `<rect x="${leftWidth}" width="${rightWidth}" height="20" fill="${look.fill}"/>`,
    '<g fill="#ffffff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">',
    `<text x="${PADDING}" y="14">${escapeXml(label)}</text>`,
    `<text x="${leftWidth + PADDING}" y="14">${escapeXml(look.text)}</text>`,
    '</g>',
    '</svg>',
  ].join('');
}
