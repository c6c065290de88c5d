/** Names derived from people and labs for runtimes (labels, home directories): lowercase, safe, bounded. */

export function slug(text: string, max = 40): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
  return s === '' ? 'x' : s;
}

/** Whose instance it is: `u-<username>`, `g-<group name>`, or `shared`. */
export function ownerKeyOf(instance: { owner: { username: string } | null; group: { name: string } | null }): string {
  if (instance.owner) return `u-${slug(instance.owner.username)}`;
  if (instance.group) return `g-${slug(instance.group.name)}`;
  return 'shared';
}
