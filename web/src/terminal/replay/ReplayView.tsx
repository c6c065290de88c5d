/**
 * Plays a recording in a read-only xterm: play/pause, speed, and a position slider. The timing lives in
 * CastPlayer; this component only connects it to xterm and the controls.
 */
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { formatDuration } from '../../components/format';
import { bufferText } from '../view/buffer-text';
import { createTerminal } from '../view/create-terminal';
import { exposeReplayHooks } from '../view/test-hooks';
import type { Cast } from './asciicast';
import { CastPlayer } from './cast-player';

const SPEEDS = [0.5, 1, 2, 4, 8];

export function ReplayView({ cast }: { cast: Cast }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const playerRef = useRef<CastPlayer | null>(null);
  const [position, setPosition] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [duration, setDuration] = useState(0);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const built = createTerminal(host, { readOnly: true });
    const { term } = built;
    const player = new CastPlayer(cast, {
      write: (data) => term.write(data),
      reset: () => term.reset(),
      resize: (cols, rows) => term.resize(cols, rows),
      progress: (ms, isPlaying) => {
        setPosition(ms);
        setPlaying(isPlaying);
      },
    });
    playerRef.current = player;
    setDuration(player.durationMs);
    // While playing, move the slider smoothly between events.
    const ticker = setInterval(() => {
      if (player.isPlaying) setPosition(player.position);
    }, 200);
    const removeHooks = exposeReplayHooks({
      terminalText: () => bufferText(term),
      position: () => player.position,
      playing: () => player.isPlaying,
    });
    player.play();
    return () => {
      removeHooks();
      clearInterval(ticker);
      player.dispose();
      playerRef.current = null;
      built.dispose();
    };
  }, [cast]);

  return (
    <div className="term-page">
      <div className="player-bar card" role="group" aria-label="Playback">
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => (playing ? playerRef.current?.pause() : playerRef.current?.play())}
          data-testid="play-pause"
        >
          {playing ? 'Pause' : 'Play'}
        </button>
        <input
          type="range"
          min={0}
          max={Math.max(1, duration)}
          step={100}
          value={position}
          onChange={(e) => playerRef.current?.seek(Number(e.target.value))}
          aria-label="Position"
        />
        <span className="player-time">
          {formatDuration(position)} / {formatDuration(duration)}
        </span>
        <label className="row">
          <span className="muted">Speed</span>
          <select
            value={speed}
            onChange={(e) => {
              const next = Number(e.target.value);
              setSpeed(next);
              playerRef.current?.setSpeed(next);
            }}
            aria-label="Speed"
          >
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="term-frame">
        <div className="term-host" ref={hostRef} data-testid="replay-terminal" />
      </div>
    </div>
  );
}
