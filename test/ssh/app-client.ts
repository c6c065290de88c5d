/**
 * A signed-in user of a running AutoLabs, over plain HTTP: sign in with the demo password (cookie),
 * then call tRPC procedures as the web app does (GET for queries, POST for mutations, plain JSON), and
 * start a lab as a student does.
 */
export interface AppUser {
  query<T>(path: string, input?: unknown): Promise<T>;
  mutate<T>(path: string, input: unknown): Promise<T>;
}

export async function signIn(baseUrl: string, username: string, password: string): Promise<AppUser> {
  const res = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!res.ok) throw new Error(`sign-in of ${username} failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  const call = async <T>(res: Response, path: string): Promise<T> => {
    const body = (await res.json()) as { result?: { data: T }; error?: { message: string; data?: { appCode?: string } } };
    if (!body.result) throw Object.assign(new Error(`${path}: ${body.error?.message}`), { appCode: body.error?.data?.appCode });
    return body.result.data;
  };
  return {
    async query<T>(path: string, input?: unknown) {
      const qs = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
      return call<T>(await fetch(`${baseUrl}/api/trpc/${path}${qs}`, { headers: { cookie } }), path);
    },
    async mutate<T>(path: string, input: unknown) {
      return call<T>(
        await fetch(`${baseUrl}/api/trpc/${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(input) }),
        path,
      );
    },
  };
}

interface Assignment {
  id: string;
  lab: { name: string };
}

/** Starts the user's lab for the assignment of `labName` and waits until it runs; its instance id. */
export async function startLab(user: AppUser, labName: string): Promise<string> {
  const assignment = (await user.query<Assignment[]>('assignments.mine')).find((a) => a.lab.name === labName);
  if (!assignment) throw new Error(`no assignment of ${labName}`);
  const started = await user.mutate<{ id: string }>('instances.start', { assignmentId: assignment.id });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const mine = await user.query<{ id: string; status: string; statusReason: string | null }[]>('instances.mine');
    const inst = mine.find((i) => i.id === started.id);
    if (inst?.status === 'running') return inst.id;
    if (inst?.status === 'failed' || Date.now() > deadline) throw new Error(`lab ${labName} did not start: ${inst?.status} ${inst?.statusReason}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
