/**
 * Spending against `promptLab.budget`: the cost (USD) of the runs logged today and this month (UTC), read from
 * the run log's day files, whose names are their UTC dates (see runLog.ts), so only this month's files are read.
 */
import { forEachLine } from '../log/history';
import { joinPath, type FileSystem } from '../platform/fileSystem';

/** `promptLab.budget`: limits in USD and the share of a limit at which a run shows a warning (0..1). */
export interface BudgetSettings {
  dailyUsd?: number;
  monthlyUsd?: number;
  /** Default 0.8. */
  warnAt?: number;
}

/** USD spent: today and this month, UTC. */
export interface Spending {
  todayUsd: number;
  monthUsd: number;
}

/** What a run should do about the budget. */
export interface BudgetCheck {
  level: 'ok' | 'warn' | 'over';
  /** One sentence for the person, when level is not ok. */
  message?: string;
  spending: Spending;
}

/**
 * Sum `costUsd` of the runs logged in `logDir` today and this month (UTC of `now`), read through `fs`. Unreadable
 * lines are skipped; a missing folder means nothing was spent.
 * @throws FileSystemError when a file of the month cannot be read.
 */
export async function spending(fs: FileSystem, logDir: string, now: Date = new Date()): Promise<Spending> {
  const day = now.toISOString().slice(0, 10);
  const month = day.slice(0, 7);
  let files: string[];
  try {
    files = (await fs.readDirectory(logDir)).filter((f) => f.startsWith(month) && f.endsWith('.jsonl'));
  } catch {
    return { todayUsd: 0, monthUsd: 0 };
  }
  const total: Spending = { todayUsd: 0, monthUsd: 0 };
  for (const file of files) {
    await forEachLine(fs, joinPath(logDir, file), (bytes) => {
      const line = utf8.decode(bytes);
      if (!line.includes('"costUsd"')) return;
      try {
        const record = JSON.parse(line) as { event?: string; costUsd?: unknown; timing?: { startedAt?: string } };
        if (record.event !== 'run' || typeof record.costUsd !== 'number') return;
        const started = record.timing?.startedAt ?? '';
        if (!started.startsWith(month)) return;
        total.monthUsd += record.costUsd;
        if (started.startsWith(day)) total.todayUsd += record.costUsd;
      } catch {
        // a corrupt or half-written line costs nothing
      }
    });
  }
  return total;
}

const utf8 = new TextDecoder();

function usd(n: number): string {
  return `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;
}

/** Compare spending with the limits: over a limit → "over", past `warnAt` of one → "warn". */
export function checkBudget(budget: BudgetSettings | undefined, spent: Spending): BudgetCheck {
  const warnAt = typeof budget?.warnAt === 'number' && budget.warnAt > 0 && budget.warnAt <= 1 ? budget.warnAt : 0.8;
  const limits: [string, number | undefined, number][] = [['daily', budget?.dailyUsd, spent.todayUsd], ['monthly', budget?.monthlyUsd, spent.monthUsd]];
  let warn: string | undefined;
  for (const [name, limit, used] of limits) {
    if (typeof limit !== 'number' || !(limit > 0)) continue;
    if (used >= limit) return { level: 'over', spending: spent, message: `The ${name} budget is spent: ${usd(used)} of ${usd(limit)}.` };
    if (used >= warnAt * limit) warn ??= `${Math.round((used / limit) * 100)}% of the ${name} budget is spent: ${usd(used)} of ${usd(limit)}.`;
  }
  return warn ? { level: 'warn', message: warn, spending: spent } : { level: 'ok', spending: spent };
}
