/**
 * Starting points for a new `.prompt.json` file (**Prompt Lab: New Prompt File**): the text of each, written as a
 * person would write it (JSONC with comments that explain the parts), and where its first template is, so the editor
 * can open with the cursor there.
 *
 * Every starter is a complete prompt: it passes the JSON Schema (schemas/prompt.schema.json) and Prompt Lab's checks
 * with no diagnostic when `deployment` names a key of `promptLab.deployments`, or when it is left out (a prompt with
 * no deployment is valid; Run Prompt then asks for one). The tests hold every starter to that.
 *
 * The classifier carries `testData` and `evaluators` in the shape of issue 13 (the names of GitHub's `.prompt.yml`):
 * rows of input values plus `expected`, and a `string` and a `regex` evaluator, which need no judge deployment.
 */
import { type Node, findNodeAtLocation, parseTree } from 'jsonc-parser';

/** The starting points, in the order the quick pick shows them. */
export const STARTER_IDS = ['empty', 'summariser', 'classifier', 'chat', 'structured'] as const;
export type StarterId = (typeof STARTER_IDS)[number];

/** What a starter is filled in with. */
export interface StarterOptions {
  /** The prompt's `name` (shown in the run panel and the log). */
  name: string;
  /** A key of `promptLab.deployments`; without one the file names no deployment and says how to add one. */
  deployment?: string;
}

/** A starter's text and the span of its first template, as offsets into `text`. */
export interface StarterFile {
  text: string;
  /** The first message `content`, inside its quotes: `text.slice(start, end)` is the template as written in JSON. */
  firstTemplate: { start: number; end: number };
}

/** The file stem (without `.prompt.json`) each starter proposes. */
export const STARTER_FILE_STEMS: Readonly<Record<StarterId, string>> = {
  empty: 'prompt',
  summariser: 'summarise',
  classifier: 'classify',
  chat: 'chat',
  structured: 'extract',
};

const q = (value: string): string => JSON.stringify(value);

function deploymentLines(deployment: string | undefined): string {
  return deployment
    ? `  // Which entry of the promptLab.deployments setting runs this prompt.\n  "deployment": ${q(deployment)},\n`
    : '  // No deployment yet: add one with "Prompt Lab: Add Deployment", then name it here: "deployment": "<its key>",\n';
}

const TEXTS: Readonly<Record<StarterId, (o: StarterOptions) => string>> = {
  empty: (o) => String.raw`// A prompt file: chat messages whose contents are Nunjucks templates over the inputs.
// Run it with "Prompt Lab: Run Prompt" (Ctrl+Alt+Enter, Cmd+Alt+Enter on macOS).
{
  "name": ${q(o.name)},
${deploymentLines(o.deployment)}  "inputs": {},
  "messages": [
    {
      "role": "user",
      "content": ""
    }
  ]
}
`,

  summariser: (o) => String.raw`// Summarises a text within a word limit. Run it with "Prompt Lab: Run Prompt".
{
  "name": ${q(o.name)},
  "description": "Summarises a text in plain language, within a word limit.",
${deploymentLines(o.deployment)}
  // Sent with the request as they are; they override the deployment's defaults.
  "parameters": {
    "temperature": 0.3,
    "max_tokens": 400
  },

  // The values the templates use. Each has a default, so the prompt runs as it is.
  "inputs": {
    "text": {
      "type": "string",
      "description": "The text to summarise.",
      "required": true,
      "default": "The city council voted on Tuesday to turn the disused freight line along the river into a six-kilometre path for walking and cycling. The work starts next spring and is paid for partly by a regional grant."
    },
    "max_words": {
      "type": "number",
      "description": "Upper limit on the length of the summary, in words.",
      "default": 60
    }
  },

  // Each content is a Nunjucks template: {{ name }} inserts an input.
  "messages": [
    {
      "role": "system",
      "content": "You summarise texts accurately and neutrally. Never add facts that are not in the text."
    },
    {
      "role": "user",
      "content": "Summarise the following text in at most {{ max_words }} words.\n\n<text>\n{{ text }}\n</text>"
    }
  ]
}
`,

  classifier: (o) => String.raw`// Puts a support ticket into one category. "Prompt Lab: Run Prompt" runs it once with the defaults;
// "Prompt Lab: Evaluate Prompt" runs it over every row of testData and judges each answer with the evaluators.
{
  "name": ${q(o.name)},
  "description": "Puts a customer support ticket into exactly one category.",
${deploymentLines(o.deployment)}
  // A classifier should be repeatable and short.
  "parameters": {
    "temperature": 0,
    "max_tokens": 10
  },

  "inputs": {
    "categories": {
      "type": "array",
      "description": "The categories a ticket can be put in.",
      "default": ["billing", "account", "bug", "other"]
    },
    "ticket": {
      "type": "string",
      "description": "The ticket, as the customer wrote it.",
      "required": true,
      "default": "I was charged twice for my March subscription. Can you refund one of the payments?"
    }
  },

  "messages": [
    {
      "role": "system",
      "content": "You classify customer support tickets. Answer with exactly one of these category names and nothing else: {{ categories | join(\", \") }}."
    },
    {
      "role": "user",
      "content": "{{ ticket }}"
    }
  ],

  // Test cases: each row gives the inputs (the others keep their default) and the answer expected.
  "testData": [
    { "ticket": "I was charged twice for my March subscription.", "expected": "billing" },
    { "ticket": "The password reset link in your email does not work.", "expected": "account" },
    { "ticket": "Exporting a report to PDF makes the app crash.", "expected": "bug" },
    { "ticket": "Do you have an office in Lisbon?", "expected": "other" }
  ],

  // How each answer is judged: a case passes when every evaluator passes.
  "evaluators": [
    { "name": "category", "string": { "equals": "{{ expected }}" } },
    { "name": "one-word", "regex": { "pattern": "^[a-z_]+$" } }
  ]
}
`,

  chat: (o) => String.raw`// Answers the next message of a conversation. The "history" input holds the earlier turns; the
// { "role": "chat_history" } message inserts them between the system message and the new question.
{
  "name": ${q(o.name)},
  "description": "Answers the next message of an ongoing conversation.",
${deploymentLines(o.deployment)}
  "parameters": {
    "max_tokens": 500
  },

  "inputs": {
    // An array of { "role", "content" } messages, oldest first. Their content is used as it is, not as a template.
    "history": {
      "type": "chat_history",
      "description": "The conversation so far.",
      "default": [
        { "role": "user", "content": "Hi! Can you help me plan a weekend in Porto?" },
        { "role": "assistant", "content": "Gladly. Do you prefer food, architecture or the seaside?" }
      ]
    },
    "question": {
      "type": "string",
      "description": "The person's next message.",
      "required": true,
      "default": "Food, mostly. Where should I start?"
    }
  },

  "messages": [
    {
      "role": "system",
      "content": "You are a friendly travel assistant. Give practical, concrete answers."
    },
    { "role": "chat_history", "input": "history" },
    {
      "role": "user",
      "content": "{{ question }}"
    }
  ]
}
`,

  structured: (o) => String.raw`// Extracts structured data as JSON that matches a schema. The run panel shows the output as formatted JSON
// and checks it against the schema; "retries" asks again, with what was wrong, when it does not match.
{
  "name": ${q(o.name)},
  "description": "Extracts the contact details from an email signature as JSON.",
${deploymentLines(o.deployment)}
  "parameters": {
    "temperature": 0,
    // Structured outputs: the model answers with JSON that matches this JSON Schema.
    "response_format": {
      "type": "json_schema",
      "json_schema": {
        "name": "contact",
        "strict": true,
        "schema": {
          "type": "object",
          "properties": {
            "name": { "type": "string" },
            "company": { "type": ["string", "null"] },
            "email": { "type": ["string", "null"] },
            "phone": { "type": ["string", "null"] }
          },
          "required": ["name", "company", "email", "phone"],
          "additionalProperties": false
        }
      }
    }
  },
  "retries": 1,

  "inputs": {
    "signature": {
      "type": "string",
      "description": "The email signature to read.",
      "required": true,
      "default": "Best regards,\nAna Ribeiro\nHead of Operations, Tramline Logistics\nana.ribeiro@tramline.example | +351 21 000 0000"
    }
  },

  "messages": [
    {
      "role": "system",
      "content": "You extract contact details from email signatures. Use null for anything the signature does not give."
    },
    {
      "role": "user",
      "content": "{{ signature }}"
    }
  ]
}
`,
};

/**
 * The text of starter `id` filled in with `options`, and where its first template is.
 * @throws Error when `id` is not one of STARTER_IDS.
 */
export function starterFile(id: StarterId, options: StarterOptions): StarterFile {
  const make = TEXTS[id];
  if (!make) throw new Error(`No starting point "${String(id)}": use one of ${STARTER_IDS.join(', ')}.`);
  const text = make(options);
  return { text, firstTemplate: firstTemplate(text) };
}

/**
 * The span of the first message whose `content` is a string, inside its quotes; the start of the text when the
 * file has none (a prompt file from elsewhere may hold only `chat_history` messages).
 */
export function firstTemplate(text: string): { start: number; end: number } {
  const tree = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const messages: Node | undefined = tree ? findNodeAtLocation(tree, ['messages']) : undefined;
  for (const message of messages?.type === 'array' ? messages.children ?? [] : []) {
    const content = findNodeAtLocation(message, ['content']);
    if (content?.type === 'string') return { start: content.offset + 1, end: content.offset + content.length - 1 };
  }
  return { start: 0, end: 0 };
}

/** A prompt name from a file stem: `support-triage` → "Support triage". */
export function nameFromStem(stem: string): string {
  const words = stem.replace(/[-_.]+/g, ' ').replace(/\s+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : 'New prompt';
}
