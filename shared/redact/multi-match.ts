/*
 * Finds every occurrence of many literal strings in one pass (Aho-Corasick): the time grows with the
 * text and the number of occurrences, never with text × pattern, so a hostile body cannot make
 * redaction slow whatever secrets are configured. Pure.
 */

export interface Occurrence {
  /** Index of the pattern in the list the matcher was built from. */
  readonly pattern: number;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

interface Node {
  readonly next: Map<number, number>;
  fail: number;
  /** Patterns ending exactly here. */
  readonly ends: number[];
  /** Nearest node on the fail chain that ends a pattern (-1: none): keeps output collection linear. */
  endLink: number;
  readonly depth: number;
  /** Some pattern marked `partialOk` goes through this node: a text ending here ends with its beginning. */
  partialOk: boolean;
}

export interface MultiMatcher {
  /** Every occurrence of every pattern, in order of end position. */
  find(text: string): Occurrence[];
  /** Calls `visit` with each occurrence in order of end position until it answers true; whether one did. */
  some(text: string, visit: (pattern: number, start: number, end: number) => boolean): boolean;
  /**
   * The length of the longest end of `text` that is the beginning (at least `minLength` long, shorter
   * than the whole) of a pattern marked `partialOk`, or 0: a text cut inside a secret.
   */
  trailingPartial(text: string, minLength: number): number;
}

export function multiMatcher(
  patterns: readonly { readonly text: string; readonly partialOk: boolean }[],
): MultiMatcher {
  const nodes: Node[] = [newNode(0)];
  patterns.forEach((pattern, index) => {
    if (pattern.text === '') return;
    let at = 0;
    for (let i = 0; i < pattern.text.length; i++) {
      const code = pattern.text.charCodeAt(i);
      const current = nodes[at] as Node;
      let child = current.next.get(code);
      if (child === undefined) {
        child = nodes.length;
        nodes.push(newNode(current.depth + 1));
        current.next.set(code, child);
      }
      at = child;
      // The full pattern is no partial of itself; only proper beginnings are.
      if (pattern.partialOk && i < pattern.text.length - 1) (nodes[at] as Node).partialOk = true;
    }
    (nodes[at] as Node).ends.push(index);
  });
  // Breadth first, so every fail target is finished before it is used.
  const queue: number[] = [];
  for (const child of (nodes[0] as Node).next.values()) {
    (nodes[child] as Node).fail = 0;
    queue.push(child);
  }
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head] as number;
    const node = nodes[id] as Node;
    const failNode = nodes[node.fail] as Node;
    node.endLink = failNode.ends.length > 0 ? node.fail : failNode.endLink;
    for (const [code, child] of node.next) {
      let f = node.fail;
      let target = id === 0 ? undefined : (nodes[f] as Node).next.get(code);
      while (target === undefined && f !== 0) {
        f = (nodes[f] as Node).fail;
        target = (nodes[f] as Node).next.get(code);
      }
      (nodes[child] as Node).fail = target !== undefined && target !== child ? target : 0;
      queue.push(child);
    }
  }

  const step = (state: number, code: number): number => {
    let s = state;
    for (;;) {
      const target = (nodes[s] as Node).next.get(code);
      if (target !== undefined) return target;
      if (s === 0) return 0;
      s = (nodes[s] as Node).fail;
    }
  };

  const some: MultiMatcher['some'] = (text, visit) => {
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      state = step(state, text.charCodeAt(i));
      const here = nodes[state] as Node;
      for (let n = here.ends.length > 0 ? state : here.endLink; n > 0; ) {
        const node = nodes[n] as Node;
        for (const pattern of node.ends) if (visit(pattern, i + 1 - node.depth, i + 1)) return true;
        n = node.endLink;
      }
    }
    return false;
  };

  return {
    some,
    find(text) {
      const found: Occurrence[] = [];
      some(text, (pattern, start, end) => {
        found.push({ pattern, start, end });
        return false;
      });
      return found;
    },
    trailingPartial(text, minLength) {
      let state = 0;
      for (let i = 0; i < text.length; i++) state = step(state, text.charCodeAt(i));
      // The state is the longest end of the text that begins some pattern; shorter ones are on its fail chain.
      for (let s = state; s !== 0; s = (nodes[s] as Node).fail) {
        const node = nodes[s] as Node;
        if (node.depth < minLength) return 0;
        if (node.partialOk) return node.depth;
      }
      return 0;
    },
  };
}

function newNode(depth: number): Node {
  return { next: new Map(), fail: 0, ends: [], endLink: -1, depth, partialOk: false };
}
