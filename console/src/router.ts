/**
 * Client-side navigation over the console's route table (lib/console/routes.ts, which the server also reads):
 * links with a same-origin console path change the history instead of reloading; Back and Forward work; after a
 * navigation the page's heading takes the focus, so keyboard and screen-reader users start at the new page.
 */
import { useEffect, useState } from "preact/hooks";
import { type Match, matchRoute } from "../../lib/console/routes.js";

const listeners = new Set<() => void>();

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  for (const l of listeners) l();
  focusHeading();
}

function focusHeading() {
  requestAnimationFrame(() => {
    const h1 = document.querySelector<HTMLElement>("main h1");
    if (h1) {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: false });
    }
  });
}

export interface Location {
  path: string;
  query: URLSearchParams;
  match: Match | undefined;
}

const current = (): Location => ({
  path: location.pathname,
  query: new URLSearchParams(location.search),
  match: matchRoute(location.pathname),
});

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    listeners.add(update);
    const pop = () => {
      update();
      focusHeading();
    };
    addEventListener("popstate", pop);
    return () => {
      listeners.delete(update);
      removeEventListener("popstate", pop);
    };
  }, []);
  return loc;
}

/** Installed once: plain clicks on links to console pages navigate in place. */
export function interceptLinks(): void {
  document.addEventListener("click", (event) => {
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    const a = (event.target as Element | null)?.closest?.("a");
    if (!a || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) return;
    if (url.hash && url.pathname === location.pathname) return; // in-page anchor (the skip link)
    if (url.pathname !== "/" && !url.pathname.startsWith("/console")) return;
    if (url.pathname.startsWith("/console/assets/")) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}
