import type { FormEvent } from 'react';

/**
 * The pages' form submit: stops the browser's own submit, clears the shown error, runs `action` on the form's data,
 * then (if it worked) resets the form when `reset` and reloads the page's data; a failure is reported, the form kept.
 */
export async function submitThen(
  e: FormEvent<HTMLFormElement>,
  clear: () => void,
  action: (data: FormData) => Promise<unknown>,
  reload: () => unknown,
  report: (err: unknown) => void,
  { reset = true }: { reset?: boolean } = {},
): Promise<void> {
  e.preventDefault();
  const form = e.currentTarget;
  const data = new FormData(form);
  clear();
  try {
    await action(data);
    if (reset) form.reset();
    await reload();
  } catch (err) {
    report(err);
  }
}
