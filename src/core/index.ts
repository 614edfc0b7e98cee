/**
 * The core as the extension uses it. The vscode layer loads this module lazily, on the first run, so
 * activation does not pay for the openai SDK, Nunjucks and jsonc-parser.
 */
export { resolveDeployment } from './deployments';
export { MissingApiKeyError, PromptFileError, describeError } from './errors';
export { parsePromptFile } from './promptFile';
export { executeRun, requestParameters } from './run';
export { InputValueError, TemplateError, renderMessages, resolveInputs } from './template';
export * as analyze from './analyze';
export * as edits from './edits';
export { checkBudget, spending } from './budget';
export { checkStructuredOutput, formatArguments, reaskMessages, responseSchema } from './structured';
export { finishedView } from './runView';
export { selectVariant } from './deployments';
export { appendRating } from './ratings';
export { HistoryReader, filterRuns, groupByPrompt, loadRun, loadRuns, readHistory } from './history';
export { writeRunsExport } from './exportRuns';
export * as playground from './playground';
