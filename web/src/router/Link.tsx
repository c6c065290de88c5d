import type { ReactNode } from 'react';

/** An in-app link; `label` names it for screen readers when its text alone is ambiguous ("Shadow" on each card). */
export function Link(props: { to: string; className?: string; children: ReactNode; title?: string; label?: string }) {
  return (
    <a href={`#${props.to}`} className={props.className} title={props.title} aria-label={props.label}>
      {props.children}
    </a>
  );
}
