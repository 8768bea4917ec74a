import type { ReactNode } from 'react';

/** Every view's title is the main landmark's name (`aria-labelledby="view-title"`). */
export function ViewHeader({ title, description, actions }: { title: string; description?: string; actions?: ReactNode }) {
  return (
    <header className="flex items-center justify-between gap-4 border-b border-zinc-200/80 px-8 pt-6 pb-5 dark:border-zinc-800/80">
      <div>
        <h1 id="view-title" className="text-lg font-semibold tracking-tight">
          {title}
        </h1>
        {description && <p className="mt-0.5 text-sm text-zinc-500 dark:text-zinc-400">{description}</p>}
      </div>
      {actions && <div className="flex shrink-0 items-center gap-2">{actions}</div>}
    </header>
  );
}
