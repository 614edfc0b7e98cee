/**
 * The prompt file formats Prompt Lab reads, told apart by file name: `.prompt.json` (Prompt Lab's own, JSONC and
 * Nunjucks), `.prompt.yml` / `.prompt.yaml` (GitHub Models, run by `gh models eval`), `.prompty` (Microsoft Prompty,
 * which Prompt Lab converts rather than runs).
 */

/** A prompt file format. */
export type PromptFormat = 'prompt.json' | 'prompt.yml' | 'prompty';

/** The format of a file by its name or path (any separator, any case of the extension); undefined for other files. */
export function promptFormatOf(fileName: string): PromptFormat | undefined {
  const name = fileName.toLowerCase();
  if (name.endsWith('.prompt.json')) return 'prompt.json';
  if (name.endsWith('.prompt.yml') || name.endsWith('.prompt.yaml')) return 'prompt.yml';
  if (name.endsWith('.prompty')) return 'prompty';
  return undefined;
}

/** The file name without its format's extension (`chat.prompt.yml` → `chat`), for titles. */
export function promptStem(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.prompt\.(json|ya?ml)$|\.prompty$/i, '');
}
