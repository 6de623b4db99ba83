import { useSelector } from '@xstate/react';
import { createContext, useContext } from 'react';
import type { ActorRefFrom, SnapshotFrom } from 'xstate';
import type { appMachine } from '../flows/app.machine';

export type AppRef = ActorRefFrom<typeof appMachine>;
export const AppActorContext = createContext<AppRef | null>(null);

export function useAppRef(): AppRef {
  const ref = useContext(AppActorContext);
  if (!ref) throw new Error('useAppRef outside AppActorContext');
  return ref;
}

/** Narrow reads of the app machine from anywhere below it, so a screen re-renders only for what it shows. */
export function useAppSelector<T>(select: (s: SnapshotFrom<typeof appMachine>) => T): T {
  return useSelector(useAppRef(), select);
}
