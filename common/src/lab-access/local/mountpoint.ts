import { promises as fs } from 'node:fs';
import path from 'node:path';

/** True when `dir` is a mount point, from /proc/self/mountinfo (no process to spawn). */
export async function isMountpoint(dir: string): Promise<boolean> {
  const target = path.resolve(dir);
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => unescapeMountPath(line.split(' ')[4] ?? '') === target);
}

/** mountinfo writes space, tab, newline and backslash as octal escapes (\040). */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
