/**
 * Synchronous clean-ups to run if the process is interrupted (SIGINT / SIGTERM), such as
 * releasing a held lock. cli.ts runs them before it exits.
 */
const tasks = new Set<() => void>();

export function onInterrupt(task: () => void): () => void {
  tasks.add(task);
  return () => tasks.delete(task);
}

export function runInterruptTasks(): void {
  for (const task of [...tasks]) {
    try {
      task();
    } catch {
      // best effort: the process is going away
    }
  }
  tasks.clear();
}
