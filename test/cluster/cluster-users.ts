/**
 * Several test runs on one machine may share the cluster (a reuse is cheap, a start is not). Each run
 * registers its pid; the cluster is stopped by the last run to leave, and only when a test run started it
 * (a cluster started by hand with `npm run cluster:up` is left running).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { clusterStateDir as stateDir, processAlive as alive } from './kube/harness-process';
const usersDir = () => path.join(stateDir(), 'users');
const startedMarker = () => path.join(stateDir(), 'started-by-tests');

export function registerUser(startedHere: boolean): void {
  mkdirSync(usersDir(), { recursive: true });
  writeFileSync(path.join(usersDir(), String(process.pid)), '');
  if (startedHere) writeFileSync(startedMarker(), String(process.pid));
}

/** Unregisters this run; true when the cluster should now be stopped. */
export function unregisterUser(): boolean {
  rmSync(path.join(usersDir(), String(process.pid)), { force: true });
  const others = readdirSync(usersDir()).filter((name) => alive(Number(name)));
  return others.length === 0 && existsSync(startedMarker());
}
