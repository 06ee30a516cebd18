// A small frontend written against the generated types (src/schema.d.ts, from openapi/openapi.json). It is only
// compiled (`tsc --noEmit`), never run: when the spec renames a path, a field or a status, this stops compiling.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Participant = components["schemas"]["ParticipantResponse"];
type ImportResult = components["schemas"]["ImportResult"];
type Problem = components["schemas"]["Problem"];

export function client(baseUrl: string, token?: string) {
  return createClient<paths>({
    baseUrl,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

export async function login(baseUrl: string, username: string, password: string): Promise<string> {
  const { data, error } = await client(baseUrl).POST("/api/v1/auth/login", {
    body: { username, password },
  });
  if (error) throw new Error(error.code);
  const expiresIn: number = data.expires_in;
  void expiresIn;
  return data.access_token;
}

/** Lists the officers of a unit, page by page. */
export async function officersOfUnit(baseUrl: string, token: string, unitId: string): Promise<Participant[]> {
  const api = client(baseUrl, token);
  const all: Participant[] = [];
  for (let offset = 0; ; offset += 100) {
    const { data, error } = await api.GET("/api/v1/participants", {
      params: { query: { unit_id: unitId, limit: 100, offset, sort: "full_name" } },
    });
    if (error) throw new Error(error.detail);
    all.push(...data.items);
    if (offset + data.items.length >= data.total) return all;
  }
}

/** Reads one officer, then changes its position under optimistic concurrency (If-Match with the ETag). */
export async function renamePosition(
  baseUrl: string,
  token: string,
  id: string,
  position: string,
): Promise<Participant> {
  const api = client(baseUrl, token);
  const read = await api.GET("/api/v1/participants/{id}", { params: { path: { id } } });
  if (read.error) throw new Error(read.error.code);
  const etag = read.response.headers.get("ETag") ?? `"${read.data.version}"`;
  const sex: "male" | "female" = read.data.sex;
  void sex;
  const changed = await api.PATCH("/api/v1/participants/{id}", {
    params: { path: { id }, header: { "If-Match": etag } },
    body: { position },
  });
  if (changed.error) {
    const problem: Problem = changed.error;
    throw new Error(`${problem.status} ${problem.code}`);
  }
  return changed.data;
}

/** Imports officers as a dry run first, then for real when no row is bad. */
export async function importOfficers(
  baseUrl: string,
  token: string,
  rows: components["schemas"]["ImportParticipantRow"][],
): Promise<ImportResult> {
  const api = client(baseUrl, token);
  const dry = await api.POST("/api/v1/participants/import", {
    params: { query: { dry_run: true, mode: "all_or_nothing" } },
    body: rows,
  });
  if (dry.error) throw new Error(dry.error.code);
  const summary: { created: number; updated: number; unchanged: number; error: number } = dry.data.summary;
  if (summary.error > 0) return dry.data;
  const real = await api.POST("/api/v1/participants/import", { body: rows });
  if (real.error) throw new Error(real.error.code);
  for (const row of real.data.rows) {
    const status: "created" | "updated" | "unchanged" | "error" = row.status;
    void status;
  }
  return real.data;
}
