// Preloaded into a Node process with `--require` by bench/evaluate.ts: when the process exits, appends
// "<pid> <peak resident set size in bytes>" to the file named by PROMPT_LAB_PEAK_FILE, so the peak memory of a tool
// the benchmark does not control (promptfoo's CLI) is measured the same way as its own workers'.
const fs = require('node:fs');

process.on('exit', () => {
  const file = process.env.PROMPT_LAB_PEAK_FILE;
  if (!file) return;
  try {
    fs.appendFileSync(file, `${process.pid} ${process.resourceUsage().maxRSS * 1024}\n`);
  } catch {
    // the figure is lost, not the process
  }
});
