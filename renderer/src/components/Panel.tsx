import type { ReactNode } from 'react';

/** A titled card that is also a named region, so it is a landmark for screen readers and tests alike. */
export function Panel({ id, title, actions, children }: { id: string; title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="card p-5">
      <div className="flex items-center justify-between gap-4">
        <h2 id={id} className="font-semibold">
          {title}
        </h2>
        {actions}
      </div>
      <div className="mt-4">{children}</div>
    </section>
  );
}
