/**
 * Parse a prompt document of any format Prompt Lab runs, chosen by its file name: `.prompt.yml` and `.prompt.yaml`
 * with the GitHub Models reader, anything else as `.prompt.json`.
 */
import { promptFormatOf } from './formats';
import { parsePromptFile, type ParsedPromptFile } from './promptFile';
import { parsePromptYaml } from './promptYaml';

/** {@link parsePromptFile} or {@link parsePromptYaml} by `fileName`'s extension. Never throws. */
export function parsePromptDocument(fileName: string, text: string): ParsedPromptFile {
  return promptFormatOf(fileName) === 'prompt.yml' ? parsePromptYaml(text) : parsePromptFile(text);
}
