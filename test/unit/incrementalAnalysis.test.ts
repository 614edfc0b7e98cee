/**
 * The incremental analysis (an edit inside one string value reuses the previous tree, src/core/format/treeAfterEdit.ts)
 * must give exactly what a fresh analysis gives: the same diagnostics, the same prompt model, the same tree. Checked
 * over the real templates, the examples and the benchmark file, each edited thousands of times at random (inside
 * strings, on quotes and backslashes, across structure), versions chained as the editor chains them.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { Node, ParseError } from 'jsonc-parser';
import { parseTree } from 'jsonc-parser';
import { changeBetween, treeAfterEdit } from '../../src/core/format/treeAfterEdit';
import { analyzePromptFile, type PromptAnalysis } from '../../src/core/template/analyze';
import { bigPromptFile } from '../../bench/analyze';
import { prng } from './prng';
import { examplePrompts, templateFixtures } from './templateFixtures';

/** A tree as plain data: no parent links, so two trees compare by value. */
function plain(node: Node | undefined): unknown {
  if (!node) return undefined;
  return { type: node.type, offset: node.offset, length: node.length, value: node.value, colonOffset: node.colonOffset, children: node.children?.map(plain) };
}

/** Everything an analysis says, as plain data. */
function said(a: PromptAnalysis): unknown {
  return {
    diagnostics: a.diagnostics,
    prompt: a.prompt && { ...a.prompt, inputs: [...a.prompt.inputs.entries()] },
    messages: a.messages.map((m) => ({ message: m.message, analysis: m.analysis })),
    tree: plain(a.tree),
  };
}

/** Characters an edit types: template syntax, JSON syntax, escapes, letters, line breaks, non-ASCII. */
const TYPED = ['a', 'x', ' ', '{', '}', '{{', '}}', '{%', '%}', '"', '\\', '\\"', '\\n', '\n', ',', ':', '[', ']', 'é', '😀', '|', 'user', '{{ nobody }}', '{% if a %}'];

function edit(random: () => number, text: string): string {
  // Mostly inside string values (where the reuse applies), sometimes anywhere.
  let at = Math.floor(random() * (text.length + 1));
  if (random() < 0.7) {
    const quote = text.indexOf('"', at);
    if (quote !== -1) at = Math.min(text.length, quote + 1 + Math.floor(random() * 20));
  }
  const removed = random() < 0.4 ? Math.floor(random() * 4) : 0;
  const typed = random() < 0.8 ? TYPED[Math.floor(random() * TYPED.length)]! : '';
  return text.slice(0, at) + typed + text.slice(at + removed);
}

test('changeBetween finds the one changed region, whatever the texts', () => {
  const random = prng(7);
  for (let i = 0; i < 3000; i++) {
    const a = Array.from({ length: Math.floor(random() * 30) }, () => 'ab"\\'[Math.floor(random() * 4)]).join('');
    const b = edit(random, a);
    const { start, previousEnd, end } = changeBetween(a, b);
    assert.equal(a.slice(0, start) + b.slice(start, end) + a.slice(previousEnd), b, JSON.stringify([a, b]));
    assert.equal(a.slice(0, start), b.slice(0, start));
    assert.equal(a.slice(previousEnd), b.slice(end));
    assert.ok(start <= previousEnd && start <= end);
  }
});

test('an analysis with the previous one says exactly what a fresh analysis says, over thousands of chained edits', () => {
  const random = prng(0x1c0de);
  const documents = [...templateFixtures(), ...examplePrompts()].map((f) => f.text).concat([bigPromptFile('incremental').slice(0, 200_000).replace(/,\s*$/, '')]);
  let reused = 0;
  let compared = 0;
  for (const original of documents) {
    let text = original;
    let previous = analyzePromptFile(text, { deployments: ['bench'] });
    for (let step = 0; step < 80; step++) {
      const next = edit(random, text);
      if (previous.reusable && treeAfterEdit(previous.reusable.text, previous.reusable.tree, next)) reused++;
      const incremental = analyzePromptFile(next, { deployments: ['bench'], previous });
      const fresh = analyzePromptFile(next, { deployments: ['bench'] });
      assert.deepEqual(said(incremental), said(fresh), `edit ${step} of a document: ${JSON.stringify(next.slice(0, 200))}`);
      compared++;
      // A version that does not parse has no tree to reuse: go on from the original, as a person fixes the typo.
      if (incremental.reusable) {
        text = next;
        previous = incremental;
      } else {
        text = original;
        previous = analyzePromptFile(text, { deployments: ['bench'] });
      }
    }
  }
  assert.ok(compared >= 2000, `${compared} versions compared`);
  // The reuse is what is being tested: it must have happened for a good share of the edits.
  assert.ok(reused > compared / 3, `the tree was reused for ${reused} of ${compared} versions`);
});

test('the reused tree equals jsonc-parser\'s own for every edit it accepts, and it refuses edits that leave the string', () => {
  const text = '{ "a": "he\\"llo", "b": [ "x", { "c": "deep" } ], // comment\n "d": 1 }';
  const tree = parseTree(text)!;
  const random = prng(99);
  let accepted = 0;
  for (let i = 0; i < 5000; i++) {
    const next = edit(random, text);
    const reused = treeAfterEdit(text, tree, next);
    if (!reused) continue;
    accepted++;
    const errors: ParseError[] = [];
    assert.deepEqual(plain(reused), plain(parseTree(next, errors)), JSON.stringify(next));
    assert.equal(errors.length, 0, JSON.stringify(next));
  }
  assert.ok(accepted > 500, `${accepted} edits reused the tree`);
  // Closing a string early, escaping its closing quote, or an edit across two values: parse again.
  assert.equal(treeAfterEdit(text, tree, text.replace('"deep"', '"de"ep"')), undefined);
  assert.equal(treeAfterEdit(text, tree, text.replace('"deep"', '"deep\\"')), undefined);
  assert.equal(treeAfterEdit(text, tree, text.replace('"x", {', '"x" , {')), undefined);
  assert.equal(treeAfterEdit(text, tree, text.replace('"x", { "c": "deep"', '"xz", { "c": "deeq"')), undefined);
  assert.ok(treeAfterEdit(text, tree, text.replace('"deep"', '"dee\\"p"')), 'an escaped quote stays inside the string');
});
