export function Loading({ what }: { what?: string }) {
  return (
    <p className="muted loading" aria-busy="true">
      Loading{what ? ` ${what}` : ''}…
    </p>
  );
}
