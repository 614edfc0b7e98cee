/**
 * The editing half of the playground: name, messages (role, template; add, remove, move up and down),
 * variables (one value each, the list follows the host's analysis), parameters (shown invalid when the host
 * says so) and the deployments to run on (up to four). It edits the PlaygroundState it is given in place and
 * calls `changed` after each edit (`analyze: true` when the templates or parameters changed). Parameters sit in a
 * section that starts closed (so Run and the outputs stay in sight in the side bar); its summary names the values set,
 * and it opens by itself when the host finds one invalid.
 */
import {
  MAX_ATTACHMENT_BYTES, MAX_PLAYGROUND_DEPLOYMENTS, PLAYGROUND_PARAMETERS, PLAYGROUND_ROLES, type PlaygroundAnalysis, type PlaygroundAttachment,
  type PlaygroundMessage, type PlaygroundParameter, type PlaygroundState,
} from '../../../src/protocol/playground';
import { button, h } from '../dom';

const PARAMETER_HINT: Record<PlaygroundParameter, string> = {
  temperature: '0 to 2',
  max_tokens: 'whole number ≥ 1',
  top_p: '0 to 1',
  stop: 'a sequence, or a JSON array',
  seed: 'whole number',
};

let nextId = 0;
function newId(): string {
  return `m${Date.now().toString(36)}${(++nextId).toString(36)}`;
}

/** A toolkit text field or area with a visible label (its slot) and the same accessible name. */
function field(tag: 'vscode-text-field' | 'vscode-text-area', label: string, value: string, attrs: Record<string, string>, onInput: (value: string) => void): HTMLElement {
  const element = h(tag, { 'aria-label': label, ...attrs }, label);
  (element as HTMLInputElement).value = value;
  element.addEventListener('input', () => onInput((element as HTMLInputElement).value ?? ''));
  return element;
}

export class PlaygroundEditor {
  readonly root: HTMLElement;
  private readonly nameField: HTMLElement;
  private readonly messageList: HTMLElement;
  private readonly notes: HTMLElement;
  private readonly variableList: HTMLElement;
  private readonly parameterBox: HTMLElement;
  private readonly parameterSection: HTMLDetailsElement;
  private readonly parameterSummary: HTMLElement;
  private readonly deploymentBox: HTMLElement;
  private variables: string[] = [];
  private deployments: string[] = [];
  private analysis: PlaygroundAnalysis = { variables: [], templateErrors: [], parameterProblems: {} };

  /**
   * `attach(messageId)` asks the host for a file to attach to that message (its reply comes through `addAttachment`);
   * `notice(text)` shows why a paste was not attached.
   */
  constructor(private state: PlaygroundState, private readonly changed: (analyze: boolean) => void,
    private readonly attach: (messageId: string) => void = () => undefined, private readonly notice: (text: string) => void = () => undefined,
    parametersOpen = false, private readonly parametersToggled: (open: boolean) => void = () => undefined) {
    this.nameField = field('vscode-text-field', 'Name', state.name, { 'data-testid': 'prompt-name', class: 'wide' }, (v) => {
      this.state.name = v;
      this.changed(false);
    });
    this.messageList = h('ol', { class: 'messages', 'data-testid': 'messages', 'aria-label': 'Messages' });
    this.notes = h('ul', { class: 'notes', 'data-testid': 'notes', 'aria-label': 'Notes on the loaded file' });
    this.variableList = h('div', { class: 'variables', 'data-testid': 'variables' });
    this.parameterBox = h('div', { class: 'parameters', 'data-testid': 'parameters' });
    this.parameterSummary = h('span', { class: 'parameters-summary', 'data-testid': 'parameters-summary' });
    this.parameterSection = h('details', { class: 'parameters-section', 'data-testid': 'parameters-section', ...(parametersOpen ? { open: '' } : {}) },
      h('summary', {}, h('h2', {}, 'Parameters'), this.parameterSummary), this.parameterBox) as HTMLDetailsElement;
    this.parameterSection.addEventListener('toggle', () => this.parametersToggled(this.parameterSection.open));
    this.deploymentBox = h('div', { class: 'deployments', 'data-testid': 'deployments', role: 'group', 'aria-label': `Deployments to run on, up to ${MAX_PLAYGROUND_DEPLOYMENTS}` });
    const addMessage = button('Add Message', { 'data-testid': 'add-message', appearance: 'secondary' }, () => {
      const last = this.state.messages.at(-1)?.role;
      this.state.messages.push({ id: newId(), role: last === 'user' ? 'assistant' : 'user', content: '' });
      this.renderMessages();
      this.changed(true);
      this.focusMessage(this.state.messages.length - 1, 'textarea');
    });
    this.root = h(
      'div',
      { class: 'editor' },
      this.nameField,
      h('h2', { id: 'messages-heading' }, 'Messages'),
      this.notes,
      this.messageList,
      addMessage,
      h('h2', {}, 'Variables'),
      this.variableList,
      this.parameterSection,
      h('h2', {}, 'Deployments'),
      this.deploymentBox,
    );
    this.renderAll();
  }

  /** Attach `attachment` to message `messageId` (a user message) and show it. */
  addAttachment(messageId: string, attachment: PlaygroundAttachment): void {
    const message = this.state.messages.find((m) => m.id === messageId);
    if (!message) return;
    message.attachments = [...(message.attachments ?? []), attachment];
    this.renderMessages();
    this.changed(false);
  }

  /** A pasted file (an image, audio or a PDF) as an attachment of `messageId`, read as a data: URI. */
  private pasted(messageId: string, file: File): void {
    const kind = file.type.startsWith('image/') ? 'image' : file.type.startsWith('audio/') ? 'audio' : file.type === 'application/pdf' ? 'file' : undefined;
    if (!kind) {
      this.notice(`Only images, audio and PDF files can be attached; the pasted file is ${file.type || 'of an unknown type'}.`);
      return;
    }
    if (file.size > MAX_ATTACHMENT_BYTES) {
      this.notice(`The pasted file is larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB.`);
      return;
    }
    const reader = new FileReader();
    reader.addEventListener('load', () => {
      const value = typeof reader.result === 'string' ? reader.result : '';
      if (!value.startsWith('data:')) return;
      this.addAttachment(messageId, {
        id: newId(), kind, name: file.name && file.name !== 'image.png' ? file.name : `pasted ${kind}`, value,
        ...(kind === 'image' && file.size <= 4 * 1024 * 1024 ? { preview: value } : {}),
      });
    });
    reader.readAsDataURL(file);
  }

  /** The attachments of a message: a thumbnail or a name each, with a Remove button. */
  private attachmentList(message: PlaygroundMessage, index: number): HTMLElement {
    const list = h('ul', { class: 'attachments', 'data-testid': 'attachments', 'aria-label': `Attachments of message ${index + 1}` });
    for (const attachment of message.attachments ?? []) {
      const preview = attachment.preview && /^data:image\/(png|jpeg|webp|gif);base64,/.test(attachment.preview)
        ? h('img', { class: 'attachment-thumbnail', src: attachment.preview, alt: attachment.name, 'data-testid': 'attachment-thumbnail' })
        : h('span', { class: 'attachment-kind' }, attachment.kind);
      const remove = button('✕', { appearance: 'icon', title: `Remove ${attachment.name}`, 'data-testid': 'attachment-remove' }, () => {
        message.attachments = (message.attachments ?? []).filter((a) => a.id !== attachment.id);
        if (message.attachments.length === 0) delete message.attachments;
        this.renderMessages();
        this.changed(false);
      });
      remove.setAttribute('aria-label', `Remove ${attachment.name}`);
      list.append(h('li', { class: 'attachment', 'data-testid': 'attachment', 'data-kind': attachment.kind }, preview, h('span', { class: 'attachment-name' }, attachment.name), remove));
    }
    return list;
  }

  /** Show another state (loaded, restored). */
  setState(state: PlaygroundState): void {
    this.state = state;
    this.renderAll();
  }

  /** Open or close the Parameters section (a remembered layout). */
  setParametersOpen(open: boolean): void {
    this.parameterSection.open = open;
  }

  get parametersOpen(): boolean {
    return this.parameterSection.open;
  }

  setDeployments(keys: string[]): void {
    this.deployments = keys;
    this.renderDeployments();
  }

  /** The host's analysis of what is typed: the variable list follows it. */
  setAnalysis(analysis: PlaygroundAnalysis): void {
    this.analysis = analysis;
    // While a template is cut short (`{{ na`) it reads nothing: keep the variables shown until it parses again.
    const variables = analysis.templateErrors.length > 0 ? [...new Set([...this.variables, ...analysis.variables])] : analysis.variables;
    if (variables.join('\n') !== this.variables.join('\n')) {
      this.variables = variables;
      this.renderVariables();
    }
    this.messageList.querySelectorAll<HTMLElement>('[data-testid="message-error"]').forEach((e, i) => {
      const error = analysis.templateErrors.find((t) => t.index === i);
      e.textContent = error ? `Template error: ${error.message}` : '';
      e.hidden = !error;
    });
    for (const name of PLAYGROUND_PARAMETERS) {
      const problem = analysis.parameterProblems[name];
      const input = this.parameterBox.querySelector(`[data-parameter="${name}"]`);
      const message = this.parameterBox.querySelector<HTMLElement>(`[data-parameter-problem="${name}"]`);
      if (problem) input?.setAttribute('aria-invalid', 'true');
      else input?.removeAttribute('aria-invalid');
      if (message) {
        message.textContent = problem ?? '';
        message.hidden = !problem;
      }
    }
    // A problem must not hide in a closed section.
    if (Object.values(analysis.parameterProblems).some(Boolean)) this.parameterSection.open = true;
  }

  private renderAll(): void {
    (this.nameField as HTMLInputElement).value = this.state.name;
    this.notes.replaceChildren(...this.state.notes.map((n) => h('li', { role: 'note' }, n)));
    this.notes.hidden = this.state.notes.length === 0;
    this.renderMessages();
    this.variables = this.analysis.variables;
    this.renderVariables();
    this.renderParameters();
    this.renderDeployments();
  }

  private renderMessages(): void {
    const count = this.state.messages.length;
    this.messageList.replaceChildren(...this.state.messages.map((message, i) => {
      const label = `Message ${i + 1}`;
      const role = h('vscode-dropdown', { 'aria-label': `${label} role`, 'data-testid': 'message-role' },
        ...PLAYGROUND_ROLES.map((r) => h('vscode-option', { value: r, ...(r === message.role ? { selected: '' } : {}) }, r)));
      (role as HTMLSelectElement).value = message.role;
      role.addEventListener('change', () => {
        const value = (role as HTMLSelectElement).value;
        if ((PLAYGROUND_ROLES as readonly string[]).includes(value)) message.role = value as typeof message.role;
        this.changed(false);
      });
      const content = field('vscode-text-area', `${label} template`, message.content,
        { 'data-testid': 'message-content', resize: 'vertical', rows: '3', placeholder: 'Text with {{ variables }}' }, (v) => {
          message.content = v;
          this.changed(true);
        });
      const move = (to: number) => {
        const [moved] = this.state.messages.splice(i, 1);
        if (!moved) return;
        this.state.messages.splice(to, 0, moved);
        this.renderMessages();
        this.changed(true);
        this.focusMessage(to, to < i ? 'message-up' : 'message-down');
      };
      const up = button('↑', { 'data-testid': 'message-up', appearance: 'icon', title: 'Move up' }, () => move(i - 1));
      up.setAttribute('aria-label', `Move message ${i + 1} up`);
      if (i === 0) up.setAttribute('disabled', '');
      const down = button('↓', { 'data-testid': 'message-down', appearance: 'icon', title: 'Move down' }, () => move(i + 1));
      down.setAttribute('aria-label', `Move message ${i + 1} down`);
      if (i === count - 1) down.setAttribute('disabled', '');
      const remove = button('✕', { 'data-testid': 'message-remove', appearance: 'icon', title: 'Remove' }, () => {
        this.state.messages.splice(i, 1);
        this.renderMessages();
        this.changed(true);
      });
      remove.setAttribute('aria-label', `Remove message ${i + 1}`);
      const error = h('p', { class: 'message-error', 'data-testid': 'message-error', role: 'alert', hidden: '' });
      // Images, audio and files go with user messages only (the API takes them nowhere else).
      const user = message.role === 'user';
      const attach = user ? button('Attach…', { 'data-testid': 'message-attach', appearance: 'icon', title: 'Attach an image, audio or PDF file (or paste one)' }, () => this.attach(message.id)) : null;
      attach?.setAttribute('aria-label', `Attach a file to message ${i + 1}`);
      const item = h('li', { class: 'message', 'data-testid': 'message', 'data-message-id': message.id, 'data-role': message.role },
        h('div', { class: 'message-bar' }, h('span', { class: 'message-label', id: `label-${message.id}` }, label), role, up, down, attach, remove),
        content, ...(message.attachments?.length ? [this.attachmentList(message, i)] : []), error);
      if (user) {
        item.addEventListener('paste', (event) => {
          const file = [...(event.clipboardData?.files ?? [])][0];
          if (!file) return;
          event.preventDefault();
          this.pasted(message.id, file);
        });
      }
      return item;
    }));
  }

  private focusMessage(index: number, what: 'textarea' | 'message-up' | 'message-down'): void {
    const item = this.messageList.children[index];
    const target = what === 'textarea' ? item?.querySelector<HTMLElement>('[data-testid="message-content"]') : item?.querySelector<HTMLElement>(`[data-testid="${what}"]:not([disabled])`);
    (target ?? item?.querySelector<HTMLElement>('[data-testid="message-content"]'))?.focus();
  }

  private renderVariables(): void {
    if (this.variables.length === 0) {
      this.variableList.replaceChildren(h('p', { class: 'hint', 'data-testid': 'no-variables' }, 'No variables. Write {{ name }} in a message to add one.'));
      return;
    }
    const existing = new Map<string, HTMLElement>();
    for (const e of this.variableList.querySelectorAll<HTMLElement>('[data-variable]')) existing.set(e.getAttribute('data-variable') ?? '', e);
    this.variableList.replaceChildren(...this.variables.map((name) => existing.get(name) ?? field('vscode-text-field', name, this.state.values[name] ?? '',
      { 'data-variable': name, 'data-testid': 'variable', class: 'wide', placeholder: 'Text, or JSON for an object or array' }, (v) => {
        this.state.values[name] = v;
        this.changed(false);
      })));
  }

  private renderParameters(): void {
    this.parameterBox.replaceChildren(...PLAYGROUND_PARAMETERS.map((name) => h('div', { class: 'parameter' },
      field('vscode-text-field', `${name} (${PARAMETER_HINT[name]})`, this.state.parameters[name] ?? '', { 'data-parameter': name, 'data-testid': `parameter-${name}` }, (v) => {
        if (v === '') delete this.state.parameters[name];
        else this.state.parameters[name] = v;
        this.summarizeParameters();
        this.changed(true);
      }),
      h('p', { class: 'parameter-problem', 'data-parameter-problem': name, role: 'alert', hidden: '' }))));
    this.summarizeParameters();
    this.setAnalysis(this.analysis);
  }

  /** The closed section's summary: the values set (`temperature 0.2 · seed 1`), or that the deployment's defaults apply. */
  private summarizeParameters(): void {
    const set = PLAYGROUND_PARAMETERS.filter((name) => this.state.parameters[name] !== undefined).map((name) => `${name} ${this.state.parameters[name] ?? ''}`);
    this.parameterSummary.textContent = set.length > 0 ? set.join(' · ') : 'defaults';
  }

  private renderDeployments(): void {
    if (this.deployments.length === 0) {
      this.deploymentBox.replaceChildren(h('p', { class: 'hint' }, 'No deployments. Add some to the promptLab.deployments setting.'));
      return;
    }
    const picked = this.state.deployments;
    const full = picked.length >= MAX_PLAYGROUND_DEPLOYMENTS;
    this.deploymentBox.replaceChildren(...this.deployments.map((key) => {
      const checked = picked.includes(key);
      const box = h('vscode-checkbox', { 'data-deployment': key, 'data-testid': 'deployment', ...(checked ? { checked: '' } : {}), ...(full && !checked ? { disabled: '' } : {}) }, key);
      (box as HTMLInputElement).checked = checked;
      box.addEventListener('change', () => {
        const on = (box as HTMLInputElement).checked;
        const now = this.state.deployments.includes(key);
        if (on === now) return;
        if (on && this.state.deployments.length < MAX_PLAYGROUND_DEPLOYMENTS) this.state.deployments.push(key);
        else if (!on) this.state.deployments = this.state.deployments.filter((d) => d !== key);
        this.renderDeployments();
        this.changed(false);
      });
      return box;
    }));
  }
}
