/**
 * The built-in LLM judges (`uses: "prompt-lab/<name>"`, or gh-models' `github/<name>`). The idea is gh-models' own
 * (cmd/eval/builtins.go, after Microsoft's promptflow evaluators): the judge rates one quality on a 1–5 scale and the
 * rating maps to a score of 0, 0.25, 0.5, 0.75 or 1. The wording here is Prompt Lab's own.
 *
 * Variables: `completion` (the output judged), `query` (the last user message as sent), `expected` (the row's
 * `expected`; similarity needs it), `context` (the row's `context`, else the messages sent before the last user
 * message; groundedness judges against it).
 */
import type { BuiltinJudgeName, JudgeChoice } from './evaluatorSpec';

/** A built-in judge: its instructions, its prompt template and the variables the template needs. */
export interface BuiltinJudge {
  systemPrompt: string;
  prompt: string;
  choices: JudgeChoice[];
  /** Variables that must have a value; a row without one gives an evaluator error that names it. */
  needs: readonly ('query' | 'expected' | 'context' | 'completion')[];
}

/** Ratings 1–5 mapped to 0..1 in equal steps, as gh-models maps them. */
export const RATING_CHOICES: readonly JudgeChoice[] = Object.freeze([
  { choice: '1', score: 0 },
  { choice: '2', score: 0.25 },
  { choice: '3', score: 0.5 },
  { choice: '4', score: 0.75 },
  { choice: '5', score: 1 },
]);

const SYSTEM = (quality: string): string =>
  `You grade the ${quality} of an answer written by an AI system. Read the material between the markers, decide on a rating from 1 (worst) to 5 (best) using the scale you are given, and reply with that single digit only: no words, no punctuation, no explanation.`;

const SCALE = (lines: readonly string[]): string => lines.map((l, i) => `${i + 1} = ${l}`).join('\n');

/** The judges, keyed by name. */
export const BUILTIN_JUDGE_PROMPTS: Readonly<Record<BuiltinJudgeName, BuiltinJudge>> = {
  similarity: {
    systemPrompt: SYSTEM('closeness to a reference answer'),
    prompt: `Compare the ANSWER with the REFERENCE answer to the same QUESTION. Judge whether they say the same thing: the same facts, the same conclusion, nothing contradicting. Wording, length and style do not matter.

Scale:
${SCALE([
  'says something else entirely, or contradicts the reference',
  'shares a detail or two but misses or contradicts the main point',
  'gets the main point partly right, with notable gaps or errors',
  'agrees with the reference on the main point, missing or adding minor details',
  'says the same thing as the reference',
])}

<<<QUESTION
{{ query }}
QUESTION>>>
<<<REFERENCE
{{ expected }}
REFERENCE>>>
<<<ANSWER
{{ completion }}
ANSWER>>>

Rating (one digit):`,
    choices: [...RATING_CHOICES],
    needs: ['query', 'expected', 'completion'],
  },
  coherence: {
    systemPrompt: SYSTEM('coherence'),
    prompt: `Judge how coherent the ANSWER to the QUESTION is: whether its ideas follow in a sensible order, each sentence connects to the last, and the whole reads as one line of thought that addresses the question. Do not judge whether it is true.

Scale:
${SCALE([
  'incoherent: words or fragments with no discernible line of thought',
  'mostly disjointed: a few related statements with no clear order or links',
  'partly coherent: the point comes across, but jumps, gaps or wrong order make the reader work',
  'coherent: a clear order and sensible transitions, with a rough spot or two',
  'fully coherent: every step follows from the previous one and leads straight to the point',
])}

<<<QUESTION
{{ query }}
QUESTION>>>
<<<ANSWER
{{ completion }}
ANSWER>>>

Rating (one digit):`,
    choices: [...RATING_CHOICES],
    needs: ['query', 'completion'],
  },
  fluency: {
    systemPrompt: SYSTEM('fluency'),
    prompt: `Judge the language of the ANSWER alone: grammar, word choice, sentence construction and how easily it reads. Do not judge its content or whether it is correct.

Scale:
${SCALE([
  'hardly readable: broken grammar throughout, words missing or misused',
  'frequent errors and awkward, choppy sentences; the meaning is often unclear',
  'understandable with some errors or clumsy phrasing',
  'well written, with varied sentences and at most a minor slip',
  'polished: precise, natural and effortless to read',
])}

<<<ANSWER
{{ completion }}
ANSWER>>>

Rating (one digit):`,
    choices: [...RATING_CHOICES],
    needs: ['completion'],
  },
  relevance: {
    systemPrompt: SYSTEM('relevance'),
    prompt: `Judge how well the ANSWER responds to what the QUESTION actually asks: whether it addresses the request, covers what was asked for and stays on topic. Do not judge style.

Scale:
${SCALE([
  'off topic: does not respond to the question at all',
  'touches the topic but does not answer what was asked',
  'answers part of the question, or buries the answer in unrelated material',
  'answers the question, with a small omission or some unneeded material',
  'answers exactly what was asked, completely and nothing else',
])}

<<<QUESTION
{{ query }}
QUESTION>>>
<<<ANSWER
{{ completion }}
ANSWER>>>

Rating (one digit):`,
    choices: [...RATING_CHOICES],
    needs: ['query', 'completion'],
  },
  groundedness: {
    systemPrompt: SYSTEM('groundedness'),
    prompt: `Judge whether every claim in the ANSWER is supported by the CONTEXT. A claim the context does not support counts against the answer even if it is true in general; saying that the context does not contain the answer is grounded.

Scale:
${SCALE([
  'unsupported: the answer contradicts the context or ignores it entirely',
  'mostly unsupported: a little comes from the context, most is invented',
  'partly supported: some important claims are not in the context',
  'supported, apart from a minor detail',
  'fully supported: every claim can be found in the context',
])}

<<<CONTEXT
{{ context }}
CONTEXT>>>
<<<ANSWER
{{ completion }}
ANSWER>>>

Rating (one digit):`,
    choices: [...RATING_CHOICES],
    needs: ['context', 'completion'],
  },
};
