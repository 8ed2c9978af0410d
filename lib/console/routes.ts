/**
 * The web console's pages and their paths: one table, read by the browser's router (console/src) and by the
 * serving edge (serve.ts), which answers the app's shell with 200 for a page and 404 for any other path under
 * /console (the shell then shows its not-found page). Pure: no DOM, no Node.
 */

export type PageName = "overview" | "topics" | "topic" | "records" | "groups" | "group" | "connect";

export interface Route {
  name: PageName;
  /** path segments; `:name` captures one (URL-decoded) */
  pattern: string;
  title: string;
}

export const CONSOLE_ROUTES: readonly Route[] = [
  { name: "overview", pattern: "/", title: "Overview" },
  { name: "overview", pattern: "/console", title: "Overview" },
  { name: "topics", pattern: "/console/topics", title: "Topics" },
  { name: "topic", pattern: "/console/topics/:topic", title: "Topic" },
  { name: "records", pattern: "/console/topics/:topic/records", title: "Records" },
  { name: "groups", pattern: "/console/groups", title: "Consumer groups" },
  { name: "group", pattern: "/console/groups/:group", title: "Consumer group" },
  { name: "connect", pattern: "/console/connect", title: "Connect" },
];

/** Where the built scripts, styles and icon are served (never a page). */
export const ASSETS_PREFIX = "/console/assets/";

export interface Match {
  route: Route;
  params: Record<string, string>;
}

/** The page a path shows, or undefined (a not-found page). A trailing slash is ignored. */
export function matchRoute(path: string): Match | undefined {
  const parts = split(path);
  if (parts === undefined) return undefined;
  for (const route of CONSOLE_ROUTES) {
    const want = split(route.pattern)!;
    if (want.length !== parts.length) continue;
    if (!want.every((w, i) => w.startsWith(":") || w === parts[i])) continue;
    const params: Record<string, string> = {};
    want.forEach((w, i) => {
      if (w.startsWith(":")) params[w.slice(1)] = parts[i]!;
    });
    return { route, params };
  }
  return undefined;
}

/** The path of a page, its parameters encoded. */
export function pathOf(pattern: string, params: Record<string, string> = {}): string {
  return pattern.replace(/:([a-z]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
}

function split(path: string): string[] | undefined {
  try {
    return path
      .split("/")
      .filter((s) => s !== "")
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined; // a malformed escape: no page
  }
}
