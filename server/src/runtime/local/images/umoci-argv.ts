/**
 * `umoci` command lines. Unpacking shifts ownership so that container uid/gid 0..65535 land on host
 * uidBase.. — the ids the runtime maps them to in the lab's user namespace. Without root there is nothing
 * to shift to: umoci's rootless mode leaves every file owned by the calling user.
 */
export function umociUnpackArgv(opts: { layout: string; name: string; bundle: string; uidBase: number; root: boolean }): string[] {
  const map = `0:${opts.uidBase}:65536`;
  const ids = opts.root ? ['--uid-map', map, '--gid-map', map] : ['--rootless'];
  return ['unpack', ...ids, '--image', `${opts.layout}:${opts.name}`, opts.bundle];
}

export function umociGcArgv(layout: string): string[] {
  return ['gc', '--layout', layout];
}
