/**
 * The pages' confirm-then-act: asks `question` (window.confirm); if the operator agrees, clears the shown error, runs
 * `action` and then `reload`, reporting a failure. Returns whether it ran.
 */
export async function confirmThen(question: string, clear: () => void, action: () => Promise<unknown>, reload: () => unknown, report: (err: unknown) => void): Promise<boolean> {
  if (!window.confirm(question)) return false;
  clear();
  await action().then(reload, report);
  return true;
}
