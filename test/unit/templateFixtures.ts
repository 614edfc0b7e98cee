/**
 * The real templates converted to `.prompt.json` (test/fixtures/templates, see its SOURCES.md and convert.mjs), and
 * the example prompts: shared by templates.test.ts, fuzz.test.ts and the analysis benchmark.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const TEMPLATE_FIXTURES_DIR = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'templates');
export const EXAMPLES_DIR = path.resolve(__dirname, '..', '..', '..', 'examples');

export interface PromptFixture {
  /** `<group>/<file>.prompt.json`, relative to test/fixtures/templates (or `examples/<file>`). */
  name: string;
  text: string;
}

/** Every converted template fixture (the originals in `original/` are not prompt files). */
export function templateFixtures(): PromptFixture[] {
  const out: PromptFixture[] = [];
  for (const group of fs.readdirSync(TEMPLATE_FIXTURES_DIR).sort()) {
    const dir = path.join(TEMPLATE_FIXTURES_DIR, group);
    if (group === 'original' || !fs.statSync(dir).isDirectory()) continue;
    for (const file of fs.readdirSync(dir).sort()) {
      if (file.endsWith('.prompt.json')) out.push({ name: `${group}/${file}`, text: fs.readFileSync(path.join(dir, file), 'utf8') });
    }
  }
  return out;
}

/** The example prompts of examples/ (JSONC with comments and trailing commas). */
export function examplePrompts(): PromptFixture[] {
  return fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.prompt.json')).sort()
    .map((f) => ({ name: `examples/${f}`, text: fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8') }));
}
