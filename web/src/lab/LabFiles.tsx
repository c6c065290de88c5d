import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { ToolbarPanel } from '../components/ToolbarPanel';
import { downloadLabFile, uploadLabFile } from './lab-files';

/**
 * "Files" on the lab page: upload a file from this computer into the lab's storage (with its progress)
 * and download one from it, by its path inside the storage. Bigger files and many at once go over
 * scp/sftp (SSH details).
 */
export function LabFiles({ instanceId }: { instanceId: string }) {
  return (
    <ToolbarPanel button="Files" label="Files" title="Files in your lab storage" className="lab-files-panel">
      <LabFilesBody instanceId={instanceId} />
    </ToolbarPanel>
  );
}

function LabFilesBody({ instanceId }: { instanceId: string }) {
  const [file, setFile] = useState<File | null>(null);
  const [target, setTarget] = useState('');
  const [progress, setProgress] = useState<number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [wanted, setWanted] = useState('');
  const upload = useMutation({
    mutationFn: async (chosen: File) => {
      const path = target.trim() || chosen.name;
      setDone(null);
      setProgress(0);
      try {
        await uploadLabFile(instanceId, path, chosen, setProgress);
        setProgress(1);
        setDone(path);
      } catch (e) {
        setProgress(null);
        throw e;
      }
    },
  });
  const download = useMutation({ mutationFn: (path: string) => downloadLabFile(instanceId, path) });

  return (
    <>
      <form
        className="row"
        aria-label="Upload a file"
        onSubmit={(e) => {
          e.preventDefault();
          if (file) upload.mutate(file);
        }}
      >
        <input
          type="file"
          aria-label="File to upload"
          onChange={(e) => {
            const chosen = e.target.files?.[0] ?? null;
            setFile(chosen);
            setTarget(chosen?.name ?? '');
          }}
        />
        <label className="row">
          Save as <input value={target} onChange={(e) => setTarget(e.target.value)} placeholder="notes/file.txt" />
        </label>
        <button type="submit" className="btn btn-small btn-primary" disabled={!file || upload.isPending}>
          Upload
        </button>
        {progress !== null ? (
          <span className="row" role="status">
            <progress aria-label="Upload progress" max={1} value={progress} /> {Math.round(progress * 100)}%
          </span>
        ) : null}
      </form>
      {done ? (
        <p className="muted" role="status">
          Uploaded to <span className="mono">{done}</span> in your lab storage.
        </p>
      ) : null}
      <ErrorNote error={upload.error} />
      <form
        className="row"
        aria-label="Download a file"
        onSubmit={(e) => {
          e.preventDefault();
          download.mutate(wanted.trim());
        }}
      >
        <label className="row">
          Path <input value={wanted} onChange={(e) => setWanted(e.target.value)} placeholder="project/notes.txt" />
        </label>
        <button type="submit" className="btn btn-small" disabled={!wanted.trim() || download.isPending}>
          Download
        </button>
      </form>
      <ErrorNote error={download.error} />
      <p className="muted">Paths are inside your lab storage (your home directory in the lab). Files up to 10 MiB; use scp or sftp for bigger ones.</p>
    </>
  );
}
