import { createStore } from 'zustand/vanilla';

export const VIEWS = ['conversation', 'models', 'settings'] as const;
export type View = (typeof VIEWS)[number];

export interface NavigationState {
  view: View;
  show(view: View): void;
}

export const createNavigationStore = () =>
  createStore<NavigationState>()((set) => ({ view: 'conversation', show: (view) => set({ view }) }));
