// Prompt Lab's keybindings against VS Code 1.100's own, read from the running VS Code (its Default Keyboard
// Shortcuts document), and Stop Run in the real extension host.
//
// A default binding on one of our keys is no conflict when it cannot apply where ours does: every alternative of
// its `when` needs something ours rules out (a focus elsewhere, another language or editor, a widget ours excludes).
// What this analysis cannot decide is listed in REVIEWED with the reason it is safe; a binding VS Code adds later on
// one of our keys fails the test until someone looks at it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'jsonc-parser';
import type { PromptLabApi } from '../../src/extension';
import type { RunOutcome } from '../../src/core/run/run';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { EXTENSION_ID, useDeployments, writePromptText } from './promptDocuments';

interface Keybinding { key: string; command: string; when?: string; mac?: string }

const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { contributes: { keybindings: Keybinding[] } };

/** Terms of a `when` that hold only somewhere our binding never applies, per command of ours. */
const ELSEWHERE: Record<string, RegExp[]> = {
  // Ours: the text of a .prompt.json / .prompt.yml editor has the focus, no find widget.
  'promptLab.runPrompt': [
    /^(listFocus|terminalFocus|terminalFocusInAny|inChat|inChatInput|inQuickOpen|notebookEditorFocused|notebookCellListFocused|notebookCellEditorFocused|searchViewletFocus|fileMatchOrMatchFocus|folderMatchFocus|fileMatchFocus|problemFocus|breakpointsFocused|explorerViewletFocus|commentEditorFocused|inSettingsEditor|inKeybindings|renameInputVisible|referenceSearchVisible|codeActionMenuVisible|suggestWidgetVisible|inlineChatVisible|inlineChatFocused|chatInputHasText|isCompositeNotebook|isMergeEditor|scmRepository|terminalChatFocus|accessibleViewInCodeBlock|chatHasToolConfirmation|chatAttachmentResource|breadcrumbsActive|findWidgetVisible|hasUndecidedChatEditingResource|chatEdits\.hasEditorModifications|refactorPreview\.enabled|inlineChatHasEditsAgent|inlineChatHasProvider)$/,
    /^editorLangId == '(?!jsonc'|yaml')[^']*'$/, /^activeEditor == '(?!workbench\.editors\.files\.textFileEditor')[^']*'$/, /^focusedView == '/,
  ],
  'promptLab.previewPrompt': [],
  // Ours: a run panel (a webview) has the keyboard focus, shows a running run, no toast, no find widget.
  'promptLab.stopRun': [
    /^(editorFocus|editorTextFocus|textInputFocus|inputFocus|listFocus|terminalFocus|terminalFocusInAny|inQuickOpen|notebookEditorFocused|notebookCellListFocused|inSettingsEditor|inKeybindings|inWelcome|commentEditorFocused|commentFocused|commentsFilterFocus|problemsFilterFocus|outputFilterFocus|replaceInputBoxFocus|statusBarFocused|bannerFocused|breadcrumbsActive|notificationToastsVisible|notificationCenterVisible|notificationFocus|webviewFindWidgetVisible|inSearchEditor|inZenMode|inReferenceSearchEditor|referenceSearchVisible|callHierarchyVisible|typeHierarchyVisible|testing\.isInPeek|testing\.isPeekVisible|inlineChatVisible|inlineChatShowingHint|inlineChatFocused|inInlineEditsPreviewEditor|inlineEditIsVisible|inlineSuggestionVisible|editorHasSelection|editorHasMultipleSelections|cancellableOperation|hasSymbols|isReadingLineWithInlayHints|breakpointWidgetVisible|standaloneColorPickerVisible|stickyScrollFocused|exceptionWidgetVisible|dropWidgetVisible|pasteWidgetVisible|messageVisible|inSnippetMode|markersNavigationVisible|dirtyDiffVisible|parameterHintsVisible|suggestWidgetVisible|LinkedEditingInputVisible|renameInputVisible|selectionAnchorSet|terminalChatVisible|terminalFindVisible|terminalSuggestWidgetVisible|explorerResourceCut|editorDictation\.inProgress|codeActionMenuVisible|comparingMovedCode|scmRepository|isNotebookMultiSelect|inlineChatHasEditsAgent|inlineChatHasProvider|searchState != '0')$/,
    /^activeEditor == '(?!WebviewEditor')[^']*'$/,
  ],
};
ELSEWHERE['promptLab.previewPrompt'] = ELSEWHERE['promptLab.runPrompt']!;

/** Defaults that share a key with ours and that the term analysis cannot rule out, with why they are safe. */
const REVIEWED: Record<string, string> = {
  'search.action.replaceAll': 'its handler acts only while the Search view has the focus; ours needs a prompt file\'s editor to have it',
  'workbench.action.terminal.chat.insertCommand': 'applies while a terminal inline chat shows a command, wherever the focus is: in a prompt file\'s editor Run Prompt takes Ctrl+Alt+Enter, anywhere else the terminal chat keeps it, and Alt+Enter always',
  'workbench.action.terminal.chat.insertFirstCommand': 'as workbench.action.terminal.chat.insertCommand',
};

/** The alternatives of a `when`, each a list of its `&&` terms (enough for VS Code's default keybindings). */
function alternatives(when: string): string[][] {
  return when.split('||').map((alt) => alt.split('&&').map((t) => t.trim().replace(/^\(|\)$/g, '').trim()).filter(Boolean));
}

function conflicts(ours: Keybinding, defaults: readonly Keybinding[]): Keybinding[] {
  const elsewhere = ELSEWHERE[ours.command] ?? [];
  const first = ours.key.split(' ')[0];
  return defaults.filter((d) => {
    if (d.key.split(' ')[0] !== first || d.command === ours.command) return false;
    if (REVIEWED[d.command]) return false;
    if (!d.when) return true;
    return alternatives(d.when).some((terms) => !terms.some((term) => elsewhere.some((re) => re.test(term))));
  });
}

describe('Keybindings', function () {
  this.timeout(60_000);
  let defaults: Keybinding[];

  before(async () => {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse('vscode://defaultsettings/keybindings.json'));
    defaults = parse(document.getText()) as Keybinding[];
    assert.ok(defaults.length > 500, `VS Code's default keybindings (${defaults.length}) were read`);
  });

  it('each of ours is scoped by a `when` that names where it applies', () => {
    for (const kb of pkg.contributes.keybindings) {
      assert.match(kb.when ?? '', /resourceFilename =~|activeWebviewPanelId == 'promptLab\./, `${kb.command} ${kb.key}`);
    }
  });

  it('no default binding of VS Code 1.100 on our keys can apply where ours does', () => {
    const found = pkg.contributes.keybindings.flatMap((kb) => conflicts(kb, defaults).map((d) => `${kb.command} (${kb.key}) vs ${d.command} when ${d.when ?? '(always)'}`));
    assert.deepEqual(found, []);
  });

  it('the analysis finds a conflict when there is one', () => {
    // The same key with VS Code's "Insert Line Below" (editorTextFocus && !editorReadonly) would shadow it.
    const insertLine = defaults.find((d) => d.command === 'editor.action.insertLineAfter');
    assert.ok(insertLine);
    assert.equal(conflicts({ key: insertLine.key, command: 'promptLab.runPrompt' }, defaults).some((d) => d.command === 'editor.action.insertLineAfter'), true);
    const toasts = defaults.find((d) => d.command === 'notifications.hideToasts' && d.key === 'escape');
    assert.ok(toasts);
    assert.equal(conflicts({ key: 'escape', command: 'promptLab.stopRun' }, [{ ...toasts, when: 'true' }]).length, 1);
  });
});

describe('Stop Run', function () {
  this.timeout(60_000);
  let api: PromptLabApi;
  let server: ReplayServer;
  let restore: () => Promise<void>;

  before(async () => {
    const ext = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    server = await startReplayServer();
    restore = await useDeployments({
      slow: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'synthetic/slow?chunks=400&delayMs=50' },
    });
  });

  after(async () => {
    await restore();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server?.close();
  });

  it('stops the run of the run panel; the partial output is logged as cancelled', async () => {
    const uri = await writePromptText('stop-me.prompt.json', JSON.stringify({ deployment: 'slow', messages: [{ role: 'user', content: 'Count slowly.' }] }));
    const before = server.requests.length;
    const running = Promise.resolve(vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri));
    // The request reaching the server means the panel shows the run as running.
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const check = () => {
        if (server.requests.slice(before).some((r) => r.method === 'POST')) resolve();
        else if (Date.now() > deadline) reject(new Error('the run never reached the server'));
        else setTimeout(check, 20);
      };
      check();
    });
    const finished = new Promise<void>((resolve) => {
      const sub = api.onDidFinishRun((e) => {
        if (e.promptUri.toString() === uri.toString()) { sub.dispose(); resolve(); }
      });
    });
    const stopped = await vscode.commands.executeCommand<number>('promptLab.stopRun');
    assert.equal(stopped, 1);
    const outcome = await running;
    await finished;
    assert.equal(outcome?.record.status, 'cancelled');
    assert.ok((outcome?.record.output.length ?? 0) < 400 * 10, 'stopped before the end');
    assert.equal(await vscode.commands.executeCommand<number>('promptLab.stopRun', outcome?.record.id), 0, 'a finished run is not stopped again');
  });
});
