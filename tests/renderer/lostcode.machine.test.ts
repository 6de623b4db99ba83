import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { lostCodeMachine } from '../../src-renderer/flows/lostcode.machine';
import { apiError, fake, flush } from './helpers';

/** The screen's state for each answer of "I lost my code" (issue 13; red team: a late answer was shown as "try later"). */
function ask(answer: Parameters<typeof fake>[0]) {
  const request = fake(answer);
  const actor = createActor(lostCodeMachine.provide({ actors: { requestCode: request.actor } })).start();
  for (const digit of '48500100200') actor.send({ type: 'DIGIT', digit });
  actor.send({ type: 'SUBMIT' });
  return { actor, request };
}

describe('lost-code machine', () => {
  it('confirmed: "a new code is on its way"; the number is forgotten and the visit is over', async () => {
    const { actor, request } = ask(() => ({ accepted: true, confirmed: true }));
    await flush();
    expect(request.calls).toEqual([{ phone: '+48500100200' }]);
    expect(actor.getSnapshot().matches('sent')).toBe(true);
    expect(actor.getSnapshot().context.digits).toBe('');
  });

  it('no answer in time but maybe acted on: "a code may still come", no retry offered, the visit is over', async () => {
    const { actor, request } = ask(() => ({ accepted: true, confirmed: false }));
    await flush();
    expect(actor.getSnapshot().matches('unconfirmed')).toBe(true);
    expect(actor.getSnapshot().context.digits).toBe('');
    actor.send({ type: 'RETRY' });
    await flush();
    expect(request.calls).toHaveLength(1); // asking again would re-issue once more
    actor.send({ type: 'FINISH' });
    expect(actor.getSnapshot().output).toEqual({ completed: true });
  });

  it('surely not sent: "try later", and the person may retry with the number still there', async () => {
    const { actor } = ask(() => {
      throw apiError('SERVER_UNREACHABLE');
    });
    await flush();
    expect(actor.getSnapshot().matches('offline')).toBe(true);
    expect(actor.getSnapshot().context.digits).toBe('48500100200');
  });
});
