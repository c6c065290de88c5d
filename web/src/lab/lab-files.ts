/**
 * Moving a file in and out of the lab's storage from the page (PUT / GET /api/instances/:id/files, see
 * server/src/files/lab-file-routes.ts). Upload goes through XMLHttpRequest, the one browser API that
 * reports upload progress; a refusal comes back as the server's { code, message, field }.
 */
import type { ShownError } from '../api/describe-error';
import { saveFile } from '../components/save-file';

export function labFileUrl(instanceId: string, path: string): string {
  return `/api/instances/${encodeURIComponent(instanceId)}/files?path=${encodeURIComponent(path)}`;
}

function refusalOf(status: number, text: string): ShownError {
  try {
    const body = JSON.parse(text) as { code?: string; message?: string; field?: string | null };
    return { code: body.code ?? 'INTERNAL', message: body.message ?? `HTTP ${status}`, field: body.field ?? undefined };
  } catch {
    return { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'INTERNAL', message: `the server answered HTTP ${status}` };
  }
}

/** Uploads `file` as `path`; `onProgress` gets the share sent (0-1). Rejects with a ShownError. */
export function uploadLabFile(instanceId: string, path: string, file: Blob, onProgress: (share: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', labFileUrl(instanceId, path));
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => (xhr.status === 201 ? resolve() : reject(refusalOf(xhr.status, xhr.responseText)));
    xhr.onerror = () => reject({ code: 'SERVICE_UNAVAILABLE', message: 'the upload was cut off; check your connection and try again' } satisfies ShownError);
    xhr.send(file);
  });
}

/** Downloads the file at `path` and hands it to the browser as a download named after it. */
export async function downloadLabFile(instanceId: string, path: string): Promise<void> {
  const res = await fetch(labFileUrl(instanceId, path), { credentials: 'same-origin' });
  if (!res.ok) throw refusalOf(res.status, await res.text());
  saveFile(await res.blob(), path.split('/').pop() ?? 'file');
}
