// Calls a route handler as Next.js would (a Request, its params), returning status and JSON body.

type Handler = (r: Request, c?: { params: Promise<Record<string, string>> }) => Promise<Response>;

export async function getRoute<T>(handler: Handler, url: string, params: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await handler(new Request(`http://localhost${url}`), { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as T };
}
