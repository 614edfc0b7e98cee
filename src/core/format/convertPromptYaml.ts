/**
 * GitHub Models `.prompt.yml` ⇄ Prompt Lab `.prompt.json`, keeping comments and the order of fields where the target
 * allows, and reporting (never silently dropping) what cannot convert.
 *
 * `.prompt.yml` → `.prompt.json`: `name`, `description`, `model` as they are; `modelParameters` → `parameters`
 * (`maxTokens` → `max_tokens`, `topP` → `top_p`); `responseFormat` + `jsonSchema` → `parameters.response_format`;
 * the messages' templates translated from GitHub's rules to Nunjucks (./../template/translate.ts), their variables
 * declared as `inputs` with the first `testData` row's values as defaults; `testData` and `evaluators` as they are
 * (the names of the two formats are the same on purpose), evaluator templates translated too. YAML comments become
 * `//` comments before the same field.
 *
 * `.prompt.json` → `.prompt.yml`: the reverse; a template with Nunjucks constructs GitHub has no equivalent for,
 * a `chat_history` message, a parameter `.prompt.yml` cannot hold, input declarations, `tags`, `metadata`… are
 * reported. `//` and block comments become `#` comments before the same field.
 */
import { type Node, findNodeAtLocation, getNodeValue, visit } from 'jsonc-parser';
import { Document, isMap, isScalar, isSeq, Scalar, type Node as YamlAstNode, type Pair, YAMLMap, YAMLSeq } from 'yaml';
import { githubToNunjucks, nunjucksToGithub, type TranslationProblem } from '../template/translate';
import { ConversionError, jsonValue, noteAt, writeJsonc, type ConversionNote, type ConversionResult, type JsonOut } from './conversion';
import { parsePromptFile } from './promptFile';
import { MODEL_PARAMETER_NAMES, PROMPT_YAML_FIELDS, parsePromptYaml, yamlStringMap } from './promptYaml';
import type { DeploymentConfig } from '../providers/deployments';

/** What the `.prompt.json` → `.prompt.yml` conversion may know of the settings, to find a `model` for a `deployment`. */
export interface ToYamlOptions {
  deployments?: Readonly<Record<string, DeploymentConfig>>;
  /** `promptLab.models`: model id → deployment key (read backwards here). */
  models?: Readonly<Record<string, string>>;
}

/** Evaluator fields that hold templates (gh-models `cmd/eval/eval.go` templates these with the row). */
const STRING_EVALUATOR_FIELDS = ['equals', 'contains', 'startsWith', 'endsWith'];

function plain(node: Node | undefined): unknown {
  return node ? JSON.parse(JSON.stringify(getNodeValue(node) ?? null)) as unknown : undefined;
}

/** The comment lines of a `yaml` node or pair key: its comment before, then its comment after. */
function yamlComments(...nodes: (YamlAstNode | Pair | null | undefined)[]): string[] {
  const lines: string[] = [];
  for (const n of nodes) {
    const c = n as { commentBefore?: string | null; comment?: string | null } | null | undefined;
    if (c?.commentBefore) lines.push(...c.commentBefore.split('\n'));
    if (c?.comment) lines.push(...c.comment.split('\n'));
  }
  return lines;
}

/** The comment before a collection's first entry, which the `yaml` library keeps on the collection itself. */
function leadingComments(collection: unknown): string[] {
  const before = (collection as { commentBefore?: string | null } | null)?.commentBefore;
  return before ? before.split('\n') : [];
}

/** A `yaml` AST node as {@link JsonOut}, its comments and its children's kept. */
function yamlToJsonOut(node: unknown, comments: string[] = []): JsonOut {
  if (isMap(node)) {
    return {
      kind: 'object', comments: [...comments, ...(node.comment ? node.comment.split('\n') : [])],
      entries: node.items.map((pair, i) => ({ key: String(isScalar(pair.key) ? pair.key.value : pair.key), value: yamlToJsonOut(pair.value, [...(i === 0 ? leadingComments(node) : []), ...yamlComments(pair.key as YamlAstNode)]) })),
    };
  }
  if (isSeq(node)) {
    return {
      kind: 'array', comments: [...comments, ...(node.comment ? node.comment.split('\n') : [])],
      items: node.items.map((item, i) => yamlToJsonOut(item, i === 0 ? leadingComments(node) : [])),
    };
  }
  const value = isScalar(node) ? node.value : null;
  return { kind: 'value', value: typeof value === 'bigint' ? Number(value) : value ?? null, comments: [...comments, ...yamlComments(node as YamlAstNode)] };
}

/** Finds a pair of the top-level mapping by key. */
function topPair(document: Document.Parsed, key: string): Pair | undefined {
  const contents = document.contents;
  return isMap(contents) ? (contents.items as Pair[]).find((p) => isScalar(p.key) && String(p.key.value) === key) : undefined;
}

/** Applies `translate` to each template of each evaluator (string fields, llm prompt), in place. */
function translateEvaluators(out: JsonOut, translate: (template: string, where: string) => string): void {
  if (out.kind !== 'array') return;
  out.items.forEach((item, i) => {
    if (item.kind !== 'object') return;
    const name = item.entries.find((e) => e.key === 'name');
    const label = name?.value.kind === 'value' ? `evaluator "${String(name.value.value)}"` : `evaluator ${i + 1}`;
    for (const entry of item.entries) {
      if (entry.key === 'string' && entry.value.kind === 'object') {
        for (const field of entry.value.entries) {
          if (STRING_EVALUATOR_FIELDS.includes(field.key) && field.value.kind === 'value' && typeof field.value.value === 'string') field.value.value = translate(field.value.value, `${label}, string.${field.key}`);
        }
      }
      if (entry.key === 'llm' && entry.value.kind === 'object') {
        for (const field of entry.value.entries) {
          if (field.key === 'prompt' && field.value.kind === 'value' && typeof field.value.value === 'string') field.value.value = translate(field.value.value, `${label}, llm.prompt`);
        }
      }
    }
  });
}

/**
 * Convert the text of a `.prompt.yml` file to `.prompt.json` text.
 * @throws ConversionError when the file does not parse or has no usable messages (the message names the line).
 */
export function promptYamlToJson(text: string): ConversionResult {
  const parsed = parsePromptYaml(text);
  const { prompt, tree, yaml } = parsed;
  const first = parsed.problems[0];
  if (!prompt || !tree || first) throw new ConversionError(`The .prompt.yml cannot be converted: ${first?.message ?? 'it has no messages.'}`, first ? first.start.line + 1 : undefined);
  const notes: ConversionNote[] = [];
  for (const issue of parsed.issues) notes.push(noteAt(text, issue.severity === 'error' ? 'error' : 'warning', issue.message, issue.span.offset, issue.span.length));
  const document = yaml.document;
  const entries: { key: string; value: JsonOut }[] = [];
  const rows = (plain(findNodeAtLocation(tree, ['testData'])) as Record<string, unknown>[] | undefined) ?? [];
  const firstRow = rows.find((r) => r && typeof r === 'object') ?? {};

  // Messages first: their variables become the inputs.
  const inputs = new Set<string>();
  const messages: JsonOut[] = [];
  const messagesNode = findNodeAtLocation(tree, ['messages']);
  const messagesPair = topPair(document, 'messages');
  const messageItems = isSeq(messagesPair?.value) ? (messagesPair.value as YAMLSeq).items : [];
  const report = (problems: TranslationProblem[], node: Node | undefined, where: string) => {
    const map = node ? yamlStringMap(text, node) : undefined;
    for (const p of problems) {
      const offset = map ? map.toDocument(p.index) : node?.offset ?? 0;
      notes.push(noteAt(text, 'error', `${where}: ${p.message}`, offset));
    }
  };
  for (const message of prompt.messages) {
    if (message.kind !== 'template') continue;
    const item = messageItems[message.index];
    const contentNode = messagesNode ? findNodeAtLocation(messagesNode, [message.index, 'content']) : undefined;
    const translated = githubToNunjucks(message.content);
    report(translated.problems, contentNode, `Message ${message.index + 1}`);
    for (const construct of analyzeLiteral(message.content)) {
      const map = contentNode ? yamlStringMap(text, contentNode) : undefined;
      notes.push(noteAt(text, 'info', `Message ${message.index + 1}: "${construct}" is text for GitHub; it stays text in Nunjucks (inside {% raw %}).`, map ? map.toDocument(message.content.indexOf(construct)) : message.contentSpan.offset));
    }
    for (const name of translated.names) inputs.add(name);
    const entriesOf: { key: string; value: JsonOut }[] = [{ key: 'role', value: { kind: 'value', value: message.role } }, { key: 'content', value: { kind: 'value', value: translated.template } }];
    const leading = message.index === 0 ? leadingComments(messagesPair?.value) : [];
    messages.push({ kind: 'object', entries: entriesOf, comments: [...leading, ...yamlComments(item as YamlAstNode)] });
  }

  const parameters: { key: string; value: JsonOut }[] = [];
  const strayComments: string[] = [];
  let parametersPlaced = false;
  const placeParameters = (comments: string[]) => {
    if (parametersPlaced) {
      const existing = entries.find((e) => e.key === 'parameters');
      if (existing) existing.value.comments = [...(existing.value.comments ?? []), ...comments];
      return;
    }
    parametersPlaced = true;
    entries.push({ key: 'parameters', value: { kind: 'object', entries: parameters, comments } });
  };
  const contents = document.contents as YAMLMap;
  for (const pair of contents.items as Pair[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const comments = yamlComments(pair.key as YamlAstNode);
    switch (key) {
      case 'name': case 'description': case 'model':
        if (prompt[key] !== undefined) entries.push({ key, value: { kind: 'value', value: prompt[key], comments: [...comments, ...yamlComments(pair.value as YamlAstNode)] } });
        break;
      case 'modelParameters': {
        if (isMap(pair.value)) {
          let leading = leadingComments(pair.value);
          for (const p of (pair.value as YAMLMap).items as Pair[]) {
            const field = isScalar(p.key) ? String(p.key.value) : '';
            const wire = (MODEL_PARAMETER_NAMES as Record<string, string>)[field];
            if (wire && prompt.parameters[wire] !== undefined) {
              parameters.push({ key: wire, value: { kind: 'value', value: prompt.parameters[wire], comments: [...leading, ...yamlComments(p.key as YamlAstNode, p.value as YamlAstNode)] } });
              leading = [];
            }
          }
        }
        placeParameters(comments);
        break;
      }
      case 'responseFormat': case 'jsonSchema':
        if (key === 'responseFormat' && prompt.parameters.response_format !== undefined) parameters.push({ key: 'response_format', value: jsonValue(prompt.parameters.response_format, comments) });
        else strayComments.push(...comments);
        placeParameters([]);
        break;
      case 'messages': {
        const declared: { key: string; value: JsonOut }[] = [];
        for (const name of inputs) {
          if (Object.prototype.hasOwnProperty.call(firstRow, name)) {
            declared.push({ key: name, value: jsonValue({ default: firstRow[name] }) });
            if (firstRow[name] !== null && typeof firstRow[name] === 'object') notes.push({ severity: 'info', message: `Input "${name}" holds a ${Array.isArray(firstRow[name]) ? 'list' : 'mapping'}: GitHub prints it as Go does ([a b], map[k:v]), Nunjucks as JavaScript does.` });
          } else {
            declared.push({ key: name, value: jsonValue({ required: true }) });
            const use = analyzeUses(prompt, name);
            notes.push({ ...(use !== undefined ? noteAt(text, 'warning', '', use) : {}), severity: 'warning', message: `"{{${name}}}" has no value in the first testData row: GitHub leaves it as written, Prompt Lab declares it as a required input (Run Prompt asks for it).` });
          }
        }
        entries.push({ key: 'inputs', value: { kind: 'object', entries: declared } });
        entries.push({ key: 'messages', value: { kind: 'array', items: messages, comments } });
        break;
      }
      case 'testData':
        entries.push({ key: 'testData', value: yamlToJsonOut(pair.value, comments) });
        break;
      case 'evaluators': {
        const out = yamlToJsonOut(pair.value, comments);
        const evaluatorsNode = findNodeAtLocation(tree, ['evaluators']);
        translateEvaluators(out, (template, where) => {
          const translated = githubToNunjucks(template);
          for (const p of translated.problems) notes.push({ ...(evaluatorsNode ? noteAt(text, 'error', '', evaluatorsNode.offset) : {}), severity: 'error', message: `${where}: ${p.message}` });
          return translated.template;
        });
        if (out.kind === 'array') {
          out.items.forEach((item, i) => {
            if (item.kind === 'object' && item.entries.some((e) => e.key === 'llm' && e.value.kind === 'object' && e.value.entries.some((f) => f.key === 'modelId'))) {
              const node = evaluatorsNode ? findNodeAtLocation(evaluatorsNode, [i, 'llm', 'modelId']) : undefined;
              notes.push({ ...(node ? noteAt(text, 'warning', '', node.offset, node.length) : {}), severity: 'warning', message: `Evaluator ${i + 1}: its llm judge names a GitHub model ("modelId"), kept as it is; a Prompt Lab judge names a deployment.` });
            }
          });
        }
        entries.push({ key: 'evaluators', value: out });
        break;
      }
      default:
        if ((PROMPT_YAML_FIELDS as readonly string[]).includes(key)) break;
        notes.push({ ...noteAt(text, 'warning', '', (pair.key as { range?: [number, number, number] }).range?.[0] ?? 0), severity: 'warning', message: `"${key}" is not a .prompt.yml field (GitHub ignores it); it is left out of the .prompt.json.` });
    }
  }
  if (!entries.some((e) => e.key === 'inputs')) entries.push({ key: 'inputs', value: { kind: 'object', entries: [] } });
  // A comment on jsonSchema (folded into response_format) stays with the parameters object.
  const parametersEntry = entries.find((e) => e.key === 'parameters');
  if (parametersEntry && strayComments.length) parametersEntry.value.comments = [...(parametersEntry.value.comments ?? []), ...strayComments];
  if (parameters.length === 0) {
    const at = entries.findIndex((e) => e.key === 'parameters');
    const removed = at >= 0 ? entries.splice(at, 1)[0] : undefined;
    if (removed?.value.comments?.length) notes.push({ severity: 'info', message: `A comment with no field left to carry it was dropped: ${removed.value.comments.join(' ')}` });
  }
  return { text: writeJsonc({ kind: 'object', entries, comments: yamlComments(document as unknown as YamlAstNode, contents) }), notes };
}

/** The GitHub-literal constructs (`{{ x }}`, `{% … %}`, `{# … #}`) of a template. */
function analyzeLiteral(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(/\{\{\s[^{}]*?\}\}|\{\{[^{}]*?\s\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/g)) out.push(m[0]);
  return out;
}

/** The document offset of the first `{{name}}` of the prompt's messages. */
function analyzeUses(prompt: { messages: { kind: string; content?: string; contentSpan?: { offset: number } }[] }, name: string): number | undefined {
  for (const m of prompt.messages) if (m.content?.includes(`{{${name}}}`)) return m.contentSpan?.offset;
  return undefined;
}

// ------------------------------------------------------------------------------------------------ .prompt.json → .prompt.yml

/** JSONC comments: each attached to the property or item that follows it (by the offset where that starts). */
function jsoncComments(text: string): { offset: number; lines: string[] }[] {
  const comments: { offset: number; lines: string[] }[] = [];
  visit(text, {
    onComment: (offset, length) => {
      const raw = text.slice(offset, offset + length);
      const lines = raw.startsWith('//') ? [raw.slice(2)] : raw.slice(2, -2).split(/\r?\n/).map((l) => l.replace(/^\s*\* ?/, ''));
      comments.push({ offset, lines: lines.map((l) => (l.startsWith(' ') ? l : ` ${l}`).trimEnd()).filter((l, i, all) => l.trim() !== '' || (i > 0 && i < all.length - 1)) });
    },
  }, { disallowComments: false, allowTrailingComma: true });
  return comments;
}

/** The comments between `from` and `to`, removed from `pending`. */
function takeComments(pending: { offset: number; lines: string[] }[], from: number, to: number): string | undefined {
  const taken = pending.filter((c) => c.offset >= from && c.offset < to);
  for (const c of taken) pending.splice(pending.indexOf(c), 1);
  const lines = taken.flatMap((c) => c.lines);
  return lines.length ? lines.join('\n') : undefined;
}

/** Parameters a `.prompt.yml` holds: request parameter → modelParameters field. */
const YAML_PARAMETERS: Readonly<Record<string, string>> = { max_tokens: 'maxTokens', temperature: 'temperature', top_p: 'topP' };

/**
 * Convert the text of a `.prompt.json` file to `.prompt.yml` text.
 * @throws ConversionError when the file does not parse or has no usable messages (the message names the line).
 */
export function promptJsonToYaml(text: string, options: ToYamlOptions = {}): ConversionResult {
  const parsed = parsePromptFile(text);
  const { prompt, tree } = parsed;
  const first = parsed.problems[0];
  if (!prompt || !tree || first) throw new ConversionError(`The .prompt.json cannot be converted: ${first?.message ?? 'it has no messages.'}`, first ? first.start.line + 1 : undefined);
  const notes: ConversionNote[] = [];
  const pending = jsoncComments(text);
  const doc = new Document();
  const root = new YAMLMap();
  doc.contents = root;
  const node = (value: unknown): YamlAstNode => {
    const created = doc.createNode(value) as YamlAstNode;
    return created;
  };
  const multiline = (value: string): Scalar => {
    const scalar = new Scalar(value);
    if (value.includes('\n')) scalar.type = 'BLOCK_LITERAL';
    return scalar;
  };
  const add = (key: string, value: YamlAstNode, comment?: string) => {
    const keyNode = new Scalar(key);
    if (comment) keyNode.commentBefore = comment;
    root.items.push(doc.createPair(keyNode, value) as Pair<Scalar, YamlAstNode>);
  };
  const testDataNode = findNodeAtLocation(tree, ['testData']);
  const rows = (plain(testDataNode) as Record<string, unknown>[] | undefined) ?? [];
  const known = new Set<string>([...prompt.inputs.keys(), ...rows.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : []))]);

  let previousEnd = tree.offset + 1;
  for (const property of tree.children ?? []) {
    const [keyNode, valueNode] = property.children ?? [];
    if (!keyNode || !valueNode) continue;
    const key = String(keyNode.value);
    const comment = takeComments(pending, previousEnd, keyNode.offset);
    previousEnd = property.offset + property.length;
    const at = (severity: ConversionNote['severity'], message: string, n: Node = keyNode) => notes.push(noteAt(text, severity, message, n.offset, n.length));
    switch (key) {
      case 'name': case 'description':
        if (prompt[key] !== undefined) add(key, multiline(prompt[key] as string), comment);
        break;
      case 'model':
        if (prompt.model !== undefined) add('model', node(prompt.model), comment);
        break;
      case 'deployment': {
        if (prompt.model !== undefined) {
          at('info', `"deployment": "${prompt.deployment}" is left out: the .prompt.yml keeps the prompt's "model".`);
          break;
        }
        const mapped = Object.entries(options.models ?? {}).find(([, k]) => k === prompt.deployment)?.[0];
        const config = prompt.deployment ? options.deployments?.[prompt.deployment] : undefined;
        const model = mapped ?? (config?.provider === 'github' ? config.model : undefined);
        if (model) {
          add('model', node(model), comment);
          at('info', `"deployment": "${prompt.deployment}" becomes "model: ${model}" (${mapped ? 'from promptLab.models' : 'its GitHub Models model'}).`);
        } else {
          at('warning', `"deployment": "${prompt.deployment}" names a Prompt Lab deployment; a .prompt.yml names a GitHub Models model ("model: publisher/name"), so add one${config?.model ? ` (the deployment's model is "${config.model}")` : ''}.`);
        }
        break;
      }
      case 'parameters': {
        const modelParameters = new YAMLMap();
        let from = valueNode.offset;
        for (const p of valueNode.children ?? []) {
          const [pk, pv] = p.children ?? [];
          if (!pk || !pv) continue;
          const name = String(pk.value);
          const field = YAML_PARAMETERS[name];
          if (field) {
            const k = new Scalar(field);
            const c = takeComments(pending, from, pk.offset);
            if (c) k.commentBefore = c;
            modelParameters.items.push(doc.createPair(k, node(plain(pv))) as Pair<Scalar, YamlAstNode>);
          } else if (name === 'response_format') {
            const format = plain(pv) as { type?: unknown; json_schema?: unknown } | null;
            if (format && typeof format.type === 'string' && ['text', 'json_object', 'json_schema'].includes(format.type)) {
              add('responseFormat', node(format.type));
              if (format.type === 'json_schema') add('jsonSchema', multiline(JSON.stringify(format.json_schema ?? {}, null, 2)));
            } else {
              at('error', `"response_format" ${JSON.stringify(format)} has no .prompt.yml form (responseFormat: text, json_object or json_schema); it is left out.`, pk);
            }
          } else {
            at('error', `Parameter "${name}" has no .prompt.yml form (modelParameters holds maxTokens, temperature and topP only); it is left out.`, pk);
          }
          from = p.offset + p.length;
        }
        if (modelParameters.items.length) {
          const keyScalar = new Scalar('modelParameters');
          if (comment) keyScalar.commentBefore = comment;
          // Keep modelParameters before responseFormat/jsonSchema, as GitHub's examples order them.
          const firstFormat = root.items.findIndex((p) => isScalar(p.key) && (p.key.value === 'responseFormat' || p.key.value === 'jsonSchema'));
          const pair = doc.createPair(keyScalar, modelParameters) as Pair<Scalar, YamlAstNode>;
          if (firstFormat >= 0) root.items.splice(firstFormat, 0, pair);
          else root.items.push(pair);
        }
        break;
      }
      case 'inputs': {
        for (const input of prompt.inputs.values()) {
          const span = input.span;
          const row = rows[0];
          const fromRow = row && typeof row === 'object' && Object.prototype.hasOwnProperty.call(row, input.name);
          if (input.hasDefault && !(fromRow && JSON.stringify(row[input.name]) === JSON.stringify(input.default))) {
            notes.push(noteAt(text, 'warning', `Input "${input.name}": its default is not kept; a .prompt.yml takes values from testData rows (or gh models run --var).`, span.offset, span.length));
          }
          if (input.description || input.type || input.required) notes.push(noteAt(text, 'info', `Input "${input.name}": its declaration (description, type, required) has no place in a .prompt.yml and is left out.`, span.offset, span.length));
        }
        if (comment) notes.push(noteAt(text, 'info', `A comment on "inputs" has no field to stay with and is dropped: ${comment.trim()}`, keyNode.offset));
        break;
      }
      case 'messages': {
        const seq = new YAMLSeq();
        let from = valueNode.offset;
        (valueNode.children ?? []).forEach((item, index) => {
          const itemComment = takeComments(pending, from, item.offset);
          from = item.offset + item.length;
          const message = prompt.messages.find((m) => m.index === index);
          if (!message) return;
          if (message.kind === 'chat_history') {
            notes.push(noteAt(text, 'error', `Message ${index + 1} is a chat_history slot ("${message.input}"); a .prompt.yml has no such message, so it is left out.`, item.offset, item.length));
            return;
          }
          if (message.kind === 'parts') {
            notes.push(noteAt(text, 'error', `Message ${index + 1} is written as content parts (text, images, audio, files); a .prompt.yml holds only text, so it is left out.`, item.offset, item.length));
            return;
          }
          const contentNode = findNodeAtLocation(item, ['content']);
          const translated = nunjucksToGithub(message.content, known);
          for (const p of translated.problems) notes.push(noteAt(text, 'error', `Message ${index + 1}: ${p.message} The template is kept as written.`, contentNode ? contentNode.offset : item.offset));
          let role: string = message.role;
          if (role === 'developer') {
            role = 'system';
            notes.push(noteAt(text, 'warning', `Message ${index + 1}: GitHub has no "developer" role; it becomes "system".`, item.offset, item.length));
          }
          const map = new YAMLMap();
          map.items.push(doc.createPair(new Scalar('role'), node(role)) as Pair<Scalar, YamlAstNode>);
          map.items.push(doc.createPair(new Scalar('content'), multiline(translated.template ?? message.content)) as Pair<Scalar, YamlAstNode>);
          if (itemComment) map.commentBefore = itemComment;
          seq.items.push(map);
        });
        add('messages', seq, comment);
        break;
      }
      case 'testData':
        add('testData', commented(doc, valueNode, pending), comment);
        break;
      case 'evaluators': {
        const out = jsonValue(plain(valueNode));
        translateEvaluators(out, (template, where) => {
          const translated = nunjucksToGithub(template, known);
          for (const p of translated.problems) at('error', `${where}: ${p.message} The template is kept as written.`, valueNode);
          return translated.template ?? template;
        });
        add('evaluators', node(fromJsonOut(out)), comment);
        break;
      }
      default:
        at(key === 'metadata' || key === 'tags' || key === 'retries' ? 'info' : 'warning', `"${key}" has no place in a .prompt.yml and is left out.`);
    }
  }
  for (const c of pending) notes.push(noteAt(text, 'info', `A comment with no field to stay with is dropped: ${c.lines.join(' ').trim()}`, c.offset));
  return { text: doc.toString({ lineWidth: 0, indentSeq: true }), notes };
}

/** A JSON subtree as a `yaml` node, with the comments inside it before their properties and items. */
function commented(doc: Document, node: Node, pending: { offset: number; lines: string[] }[]): YamlAstNode {
  if (node.type === 'object') {
    const map = new YAMLMap();
    let from = node.offset;
    for (const property of node.children ?? []) {
      const [k, v] = property.children ?? [];
      if (!k || !v) continue;
      const key = new Scalar(String(k.value));
      const comment = takeComments(pending, from, k.offset);
      if (comment) key.commentBefore = comment;
      map.items.push(doc.createPair(key, commented(doc, v, pending)) as Pair<Scalar, YamlAstNode>);
      from = property.offset + property.length;
    }
    return map;
  }
  if (node.type === 'array') {
    const seq = new YAMLSeq();
    let from = node.offset;
    for (const item of node.children ?? []) {
      const child = commented(doc, item, pending);
      const comment = takeComments(pending, from, item.offset);
      if (comment) child.commentBefore = comment;
      seq.items.push(child);
      from = item.offset + item.length;
    }
    return seq;
  }
  const value = getNodeValue(node) as unknown;
  return typeof value === 'string' && value.includes('\n') ? Object.assign(new Scalar(value), { type: 'BLOCK_LITERAL' as const }) : doc.createNode(value) as YamlAstNode;
}

function fromJsonOut(out: JsonOut): unknown {
  if (out.kind === 'value') return out.value;
  if (out.kind === 'array') return out.items.map(fromJsonOut);
  return Object.fromEntries(out.entries.map((e) => [e.key, fromJsonOut(e.value)]));
}
