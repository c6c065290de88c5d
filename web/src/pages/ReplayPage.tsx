import { useQuery } from '@tanstack/react-query';
import { api } from '../api/trpc';
import { ErrorNote } from '../components/ErrorNote';
import { Loading } from '../components/Loading';
import { Link } from '../router/Link';
import { CastFormatError, parseCast, type Cast } from '../terminal/replay/asciicast';
import { ReplayView } from '../terminal/replay/ReplayView';

type Loaded = { kind: 'cast'; cast: Cast } | { kind: 'empty' };

/**
 * A recording is written in chunks while the session runs, so a live session's recording can be empty
 * for its first seconds: that is shown as such, not as an error.
 */
export function ReplayPage({ recordingId }: { recordingId: string }) {
  const recording = useQuery({ queryKey: ['replay', recordingId], queryFn: () => loadRecording(recordingId) });

  return (
    <div className="term-page">
      <div className="term-toolbar">
        <Link to="/recordings">← Recordings</Link>
        <h1>Replay</h1>
      </div>
      <ErrorNote error={recording.error} />
      {recording.data?.kind === 'cast' ? <ReplayView cast={recording.data.cast} /> : null}
      {recording.data?.kind === 'empty' ? (
        <div className="note note-info" data-testid="recording-empty">
          <strong>Nothing recorded yet.</strong>
          <span>The session is still starting; recordings are saved every few seconds.</span>
          <div>
            <button type="button" className="btn btn-small" onClick={() => void recording.refetch()}>
              Reload
            </button>
          </div>
        </div>
      ) : null}
      {!recording.data && !recording.error ? <Loading what="recording" /> : null}
    </div>
  );
}

/** The recording, parsed for the player. */
async function loadRecording(id: string): Promise<Loaded> {
  const { cast } = await api.recordings.get.query({ id });
  if (!cast.trim()) return { kind: 'empty' };
  try {
    return { kind: 'cast', cast: parseCast(cast) };
  } catch (e) {
    if (e instanceof CastFormatError) throw Object.assign(new Error(`This recording cannot be played: ${e.message}.`), { code: 'BAD_INPUT' });
    throw e;
  }
}
