/**
 * A YAML document read with the `yaml` library (https://eemeli.org/yaml/), keeping positions, and turned into the
 * node tree jsonc-parser makes (`type`, `offset`, `length`, `value`, `children`, `parent`), so the analysis code
 * written for `.prompt.json` (`findNodeAtLocation`, `getNodeValue`, spans) works on a `.prompt.yml` unchanged.
 *
 * Mapping: a mapping is an `object` whose children are `property` nodes `[key, value]` (keys as strings), a sequence
 * an `array`, a scalar a `string`, `number`, `boolean` or `null` node with the value the YAML 1.2 core schema gives
 * (the schema GitHub's gh-models reads with, through gopkg.in/yaml.v3). A string scalar node also carries
 * {@link YamlScalarSource}, from which {@link YamlStringMap} maps template positions back to the document. An alias
 * (`*name`) is the anchored node's tree again, so positions inside it point at the anchor's text.
 */
import type { Node, NodeType } from 'jsonc-parser';
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { TextSpan } from './promptFile';
import type { YamlScalarSource, YamlScalarStyle } from './yamlString';

/** A jsonc-parser node with, for string scalars, where the scalar's source is. */
export interface YamlNode extends Node {
  readonly scalar?: YamlScalarSource;
  children?: YamlNode[];
}

/** A YAML syntax error with its span and a one-line message. */
export interface YamlSyntaxError {
  message: string;
  span: TextSpan;
}

/** The result of {@link parseYamlTree}; `tree` is undefined when the text is empty or only comments. */
export interface YamlTree {
  tree: YamlNode | undefined;
  errors: YamlSyntaxError[];
  /** The `yaml` library's document, for comments and for writing YAML back. */
  document: Document.Parsed;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface SourceToken {
  type: string;
  offset: number;
  indent: number;
  source: string;
  props?: { type: string; offset: number; source: string }[];
}

/** Nesting deeper than this is reported and not followed (a guard against alias loops and stack overflows). */
const MAX_DEPTH = 500;

function scalarSource(node: { type?: string | undefined; range?: [number, number, number] | null | undefined; srcToken?: unknown }): YamlScalarSource | undefined {
  const token = node.srcToken as SourceToken | undefined;
  const style = node.type as YamlScalarStyle | undefined;
  if (!token || !style) return undefined;
  if (token.type === 'block-scalar') {
    const breakToken = (token.props ?? []).find((p) => p.type === 'newline');
    const header = (token.props ?? []).find((p) => p.type === 'block-scalar-header');
    const bodyStart = breakToken ? breakToken.offset + breakToken.source.length : token.offset;
    return { style, start: header?.offset ?? token.offset, end: bodyStart + token.source.length, bodyStart, parentIndent: token.indent };
  }
  return { style, start: token.offset, end: token.offset + token.source.length };
}

function errorMessage(message: string): string {
  // The library appends " at line L, column C:" and a source excerpt; the position is shown by the editor.
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}

/**
 * Parse `text` as one YAML document with positions. Never throws: syntax errors (and a second document, which
 * gh-models would ignore) come back in `errors`, each at its characters.
 */
export function parseYamlTree(text: string): YamlTree {
  const document = parseDocument(text, { keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  const errors: YamlSyntaxError[] = document.errors.map((e) => ({
    message: errorMessage(e.message),
    span: { offset: Math.min(e.pos[0], text.length), length: Math.max(1, e.pos[1] - e.pos[0]) },
  }));
  const visiting = new Set<unknown>();
  const convert = (node: unknown, parent: YamlNode | undefined, depth: number): YamlNode => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    const offset = range ? range[0] : parent?.offset ?? 0;
    const length = range ? range[1] - range[0] : 0;
    const make = (type: NodeType, value?: unknown): Mutable<YamlNode> => {
      const out: Mutable<YamlNode> = { type, offset, length };
      if (value !== undefined) out.value = value;
      if (parent) out.parent = parent;
      return out;
    };
    if (depth > MAX_DEPTH || visiting.has(node)) {
      errors.push({ message: depth > MAX_DEPTH ? 'The document is nested too deeply to read.' : 'An alias refers to a node that contains it.', span: { offset, length: Math.max(1, length) } });
      return make('null', null);
    }
    if (isAlias(node)) {
      const target = node.resolve(document);
      if (!target) {
        errors.push({ message: `Unknown alias "*${node.source}".`, span: { offset, length: Math.max(1, length) } });
        return make('null', null);
      }
      visiting.add(node);
      const resolved = convert(target, parent, depth + 1);
      visiting.delete(node);
      return resolved;
    }
    if (isMap(node)) {
      const out = make('object');
      visiting.add(node);
      out.children = node.items.map((pair) => {
        const key = pair.key as { range?: [number, number, number]; value?: unknown } | null;
        const keyRange = isScalar(key) || isMap(key) || isSeq(key) ? key.range : undefined;
        const keyStart = keyRange ? keyRange[0] : offset;
        const property: Mutable<YamlNode> = { type: 'property', offset: keyStart, length: 0, parent: out };
        const keyNode: Mutable<YamlNode> = { type: 'string', value: isScalar(key) ? String(key.value) : String(key), offset: keyStart, length: keyRange ? keyRange[1] - keyRange[0] : 0, parent: property };
        const valueNode = pair.value === null || pair.value === undefined
          ? { type: 'null', value: null, offset: keyNode.offset + keyNode.length, length: 0, parent: property } as YamlNode
          : convert(pair.value, property, depth + 1);
        property.length = Math.max(keyNode.offset + keyNode.length, valueNode.offset + valueNode.length) - keyStart;
        property.colonOffset = keyNode.offset + keyNode.length;
        property.children = [keyNode, valueNode];
        return property;
      });
      visiting.delete(node);
      return out;
    }
    if (isSeq(node)) {
      const out = make('array');
      visiting.add(node);
      out.children = node.items.map((item) => (isPair(item) ? make('null', null) : convert(item, out, depth + 1)));
      visiting.delete(node);
      return out;
    }
    if (isScalar(node)) {
      const value = node.value;
      if (value === null || value === undefined) return make('null', null);
      if (typeof value === 'boolean') return make('boolean', value);
      if (typeof value === 'number' || typeof value === 'bigint') return make('number', Number(value));
      const out = make('string', typeof value === 'string' ? value : String(value));
      const source = typeof value === 'string' ? scalarSource(node as never) : undefined;
      if (source) out.scalar = source;
      return out;
    }
    return make('null', null);
  };
  const contents = document.contents;
  const tree = contents === null ? undefined : convert(contents, undefined, 0);
  return { tree, errors, document };
}
