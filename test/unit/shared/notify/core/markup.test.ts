import { describe, expect, it } from 'vitest';
import { plainLine, slackText, teamsText } from '../../../../../shared/notify/core/markup';
import type { NotifyEvent } from '../../../../../shared/notify/core/notify-events';
import { renderPayload } from '../../../../../shared/notify/core/payloads';

const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-web';

/** Issue 22 item 4: what a consumer can put in a request message (140 characters) or a name. */
const ATTACK =
  '[Open ticket](https://evil.example/login)\n\n**Approved by Security**\r\n- ok <!channel> <@U123> <https://evil|x>';

function pendingWith(requestMessage: string, endpointName = 'pe-web'): NotifyEvent {
  return {
    id: '0123456789abcdef0123456789abcdef',
    type: 'connection.pending',
    at: '2026-12-01T09:00:00.000Z',
    subject: `${PLS}/privateEndpointConnections/${endpointName}.1a2b`,
    facts: {
      plsId: PLS,
      plsName: 'pls-web',
      endpointName,
      connectionName: `${endpointName}.1a2b`,
      requestMessage,
    },
  };
}
const OPTIONS = { source: '/private-link-gatekeeper/func-provider', dashboardUrl: undefined };

/** Every string a Teams client renders as Markdown: headline and footer text, fact titles and values. */
function teamsRendered(event: NotifyEvent): string[] {
  const body = renderPayload('teams', event, OPTIONS).body as {
    summary: string;
    attachments: { content: { body: { text?: string; facts?: { title: string; value: string }[] }[] } }[];
  };
  const card = body.attachments[0]?.content.body ?? [];
  return [
    body.summary,
    ...card.flatMap((b) => [b.text ?? '', ...(b.facts ?? []).flatMap((f) => [f.title, f.value])]),
  ];
}

/** Every mrkdwn string Slack renders: the top-level text and each mrkdwn text object. */
function slackRendered(event: NotifyEvent): string[] {
  const body = renderPayload('slack', event, OPTIONS).body as {
    text: string;
    blocks: {
      text?: { type: string; text: string };
      fields?: { text: string }[];
      elements?: { text?: string }[];
    }[];
  };
  return [
    body.text,
    ...body.blocks.flatMap((b) => [
      ...(b.text?.type === 'mrkdwn' ? [b.text.text] : []),
      ...(b.fields ?? []).map((f) => f.text),
      ...(b.elements ?? []).flatMap((e) => (e.text !== undefined ? [e.text] : [])),
    ]),
  ];
}

describe('teams: consumer text cannot create links, bold, lists or lines', () => {
  it('the issue attack in the request message and the endpoint name renders inert', () => {
    const texts = teamsRendered(pendingWith(ATTACK, '**Approved**_by_[x](https://evil)'));
    for (const text of texts) {
      expect(text).not.toMatch(/\[[^\]]*\]\(/); // [text](url)
      expect(text).not.toContain('**');
      expect(text).not.toMatch(/[\r\n\u2028\u2029]/);
      expect(text).not.toContain('https://');
    }
    const joined = texts.join(' ');
    expect(joined).toContain('＊＊Approved by Security＊＊');
    expect(joined).toContain('［Open ticket］(https:／／evil.example/login)');
  });

  it('neighbours: _italic_, `code`, ~strike~, leading list and quote markers, \\r\\n, U+2028', () => {
    expect(teamsText('_a_ `b` ~c~')).toBe('＿a＿ ｀b｀ ～c～');
    expect(teamsText('- Approved')).toBe('－ Approved');
    expect(teamsText('  + Approved')).toBe('  ＋ Approved');
    expect(teamsText('1. Approved')).toBe('1． Approved');
    expect(teamsText('# Approved')).toBe('＃ Approved');
    expect(teamsText('> quote')).toBe('＞ quote');
    expect(teamsText('a\r\nb\rc\nd\u2028e\u2029f\u0085g\tx')).toBe('a b c d e f g x');
    // A list marker after a folded break is mid-line, where Teams draws no list.
    expect(teamsText('ok\n- Approved')).toBe('ok - Approved');
  });

  it('neighbours: zero-width and bidi characters cannot split or hide markup', () => {
    expect(teamsText('*\u200B*Approved*\u200D*')).toBe('＊＊Approved＊＊');
    expect(teamsText('[x]\u2060(https://evil)')).toBe('［x］(https:／／evil)');
    expect(teamsText('\u202Eevil')).toBe('evil');
  });

  it('neighbours: full-width brackets a consumer sends stay full-width (never normalised to ASCII)', () => {
    expect(teamsText('［x］（https：／／evil）')).toBe('［x］（https：／／evil）');
  });

  it('bare URLs: Teams turns them into links, so the scheme separator and www. are defanged', () => {
    expect(teamsText('see https://evil.example and www.evil.example')).toBe(
      'see https:／／evil.example and www．evil.example',
    );
  });

  it('ordinary text reads unchanged', () => {
    expect(teamsText('Northwind web <CHG0001234> & more')).toBe('Northwind web <CHG0001234> & more');
  });
});

describe('slack: consumer text cannot create mentions, links, formatting or lines', () => {
  it('the issue attack in the request message and the endpoint name renders inert, top-level text too', () => {
    const texts = slackRendered(pendingWith(ATTACK, '<!channel>*Approved*'));
    for (const text of texts) {
      expect(text).not.toMatch(/<[!@#]/); // <!channel>, <@U123>, <#C1>
      expect(text).not.toMatch(/<https?:/); // <https://evil|x>
      expect(text).not.toContain('https://');
      expect(text).not.toContain('*Approved');
    }
    const body = renderPayload('slack', pendingWith('m', '<!channel>'), OPTIONS).body;
    expect(body.text).toBe('Connection waiting for approval: &lt;!channel&gt;');
  });

  it('every mention and link form is escaped, and an already escaped entity shows as typed', () => {
    expect(slackText('<!channel> <!here> <@U123> <#C123> <!subteam^S1>')).toBe(
      '&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;#C123&gt; &lt;!subteam^S1&gt;',
    );
    expect(slackText('<https://evil|x>')).toBe('&lt;https:／／evil|x&gt;');
    expect(slackText('&lt;!channel&gt;')).toBe('&amp;lt;!channel&amp;gt;');
  });

  it('*bold*, _italic_, ~strike~, `code`, a leading > quote and new lines are neutralised', () => {
    expect(slackText('*Approved by Security* _a_ ~b~ `c`')).toBe(
      '＊Approved by Security＊ ＿a＿ ～b～ ｀c｀',
    );
    expect(slackText('> Approved')).toBe('＞ Approved');
    expect(slackText('a > b')).toBe('a &gt; b');
    expect(slackText('a\r\n> b\u200B')).toBe('a &gt; b');
  });
});

describe('plain line (CloudEvents summary)', () => {
  it('folds breaks and drops invisibles, nothing else', () => {
    expect(plainLine('a\r\n**b**\u200B [c](d)')).toBe('a **b** [c](d)');
  });
});
