import type { ReactNode } from 'react';

export function Link(props: { to: string; className?: string; children: ReactNode; title?: string }) {
  return (
    <a href={`#${props.to}`} className={props.className} title={props.title}>
      {props.children}
    </a>
  );
}
