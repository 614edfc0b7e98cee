/**
 * The core as the extension uses it. The vscode layer loads this module lazily, on the first run, so
 * activation does not pay for the openai SDK, Nunjucks and jsonc-parser.
 */
export { resolveDeployment } from './providers/deployments';
// The first hour (issue 17): starting points of New Prompt File, Add Deployment's settings edit.
export * as starters from './format/starters';
export * as snippets from './format/snippets';
export { DEFAULT_AZURE_API_VERSION, isLoopbackHost } from './providers/deployments';
export { DEPLOYMENTS_SETTING, deploymentEdits, uniqueName, withDeployment } from './providers/deploymentSettings';
export { resolveNamedDeployment, resolvePromptDeployment } from './providers/models';
export { MissingApiKeyError, PromptFileError, describeError } from './providers/errors';
export { parsePromptFile } from './format/promptFile';
export { parsePromptDocument } from './format/parse';
export { parsePromptYaml } from './format/promptYaml';
export { ConversionError, type ConversionNote, type ConversionResult } from './format/conversion';
export { promptJsonToYaml, promptYamlToJson } from './format/convertPromptYaml';
export { promptyToJson, type PromptyConversion } from './format/convertPrompty';
export { promptFormatOf, promptStem, type PromptFormat } from './format/formats';
export { executeRun, requestParameters } from './run/run';
export { InputValueError, TemplateError, renderMessages, resolveInputs } from './template/template';
export * as analyze from './template/analyze';
export * as edits from './format/edits';
export { checkBudget, spending } from './run/budget';
export { checkStructuredOutput, formatArguments, reaskMessages, responseSchema } from './run/structured';
export { finishedView } from './run/runView';
export { deploymentTargets, selectVariant } from './providers/deployments';
export { appendRating } from './log/ratings';
export { appendAnnotation, NOTE_KEY } from './log/annotations';
export { HistoryReader, filterRuns, groupByPrompt, loadRun, loadRuns, readHistory } from './log/history';
export { annotationKeys, writeRunsExport } from './log/exportRuns';
export { DEFAULT_RENDER_LIMITS, RenderLimitError, type RenderLimits, type RenderOptions, type TemplateRenderer } from './template/renderer';
export { inProcessRenderer } from './template/inProcessRenderer';
export { renderStraightMessages } from './template/straight';
export * as playground from './playground/playground';
export { changedMedia, prepareMessages, mediaSourceOf, detectMediaType, type MediaAccess } from './run/media';
export { mediaLimitsOf, formatBytes } from './providers/mediaLimits';
export { REQUEST_RULES, applyRequestRules, rulesFor } from './providers/requestRules';
export { checkMediaInputs } from './run/mediaCheck';
export { evaluatePrompt, judgeDeploymentKeys, withJudgeDeployments, type EvaluationEvent, type EvaluationRequest, type EvaluationTarget } from './evaluation/evaluate';
export { dataFormat, loadTestData } from './evaluation/testData';
export { checkWorkspaceRelativePath } from './platform/fileSystem';
export { csvAppendText, inlineRowEdits, jsonlAppendText, testRowOf } from './evaluation/addTestRow';
export { listEvaluationRecords, listLoggedEvaluations, readLoggedEvaluation, readLoggedRun, type LoggedEvaluationSummary } from './evaluation/evaluationLog';
export { summarize } from './evaluation/summary';
export { exportGrid } from './evaluation/exportGrid';
