/** Hands a blob the page already holds to the browser as a download named `name` (an `<a download>` clicked once). */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    // The download has started from the URL; it is freed a minute later rather than under it.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
