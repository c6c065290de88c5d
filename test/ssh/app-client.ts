/**
 * A signed-in user of a running AutoLabs, over plain HTTP: sign in with the demo password (cookie),
 * then call tRPC procedures as the web app does (GET for queries, POST for mutations, plain JSON).
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
