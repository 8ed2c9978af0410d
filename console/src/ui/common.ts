/**
 * Small pieces every page uses: the problem box (an API error as the server worded it), a field's error next to
 * its input, a polling hook, and number and time formatting.
 */
import { html } from "htm/preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type Problem } from "../api.js";

/** An ApiError's problem, a problem itself, or anything else thrown, as a problem to show. */
export function problemOf(e: unknown): Problem {
  if (e instanceof ApiError) return e.problem;
  if (typeof e === "object" && e !== null && "title" in e && "status" in e) return e as Problem;
  return { title: "Something went wrong", status: 0, detail: String(e) };
}

export function ProblemBox({ error, id }: { error: unknown; id?: string }) {
  if (!error) return null;
  const p = problemOf(error);
  return html`<div class="problem" role="alert" id=${id}>
    <strong>${p.title}${p.status ? ` (${p.status})` : ""}</strong>
    ${p.detail ? html`<span>: ${p.detail}</span>` : null}
  </div>`;
}

/** The attributes that tie an input to its error message (`${id}-error`). */
export const invalidProps = (id: string, error: string | undefined, hint?: string) => ({
  id,
  "aria-invalid": error ? "true" : undefined,
  "aria-describedby": [error ? `${id}-error` : "", hint ? `${id}-hint` : ""].filter(Boolean).join(" ") || undefined,
});

export function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error ? html`<p class="field-error" id=${`${id}-error`}>${error}</p>` : null;
}

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  refresh(): Promise<void>;
}

/** Loads now, then every `intervalMs` while the page shows (and the tab is visible); `deps` restart it. */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: unknown[]): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const live = useRef(true);
  const refresh = useCallback(async () => {
    try {
      const d = await load();
      if (!live.current) return;
      setData(d);
      setError(undefined);
    } catch (e) {
      if (live.current) setError(e);
    } finally {
      if (live.current) setLoading(false);
    }
  }, deps);
  useEffect(() => {
    live.current = true;
    setLoading(true);
    void refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void refresh();
    }, intervalMs);
    return () => {
      live.current = false;
      clearInterval(timer);
    };
  }, [refresh, intervalMs]);
  return { data, error, loading, refresh };
}

export const fmt = (n: number | null | undefined) => (n === null || n === undefined ? "—" : n.toLocaleString("en"));

export const time = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");

export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · Strata console`;
  }, [title]);
}
