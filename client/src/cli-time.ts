/**
 * Times and durations as the CLI reads them: a time is ms since the epoch (kcat's s@/e@) or an ISO 8601 date-time
 * (kafka-consumer-groups' --to-datetime, e.g. 2026-12-08T10:00:00Z or 2026-12-08T10:00:00.000); a duration is
 * 1h30m / 15m / 500ms / 2d (units ms, s, m, h, d, combined largest first) or ISO 8601's PnDTnHnMnS (--by-duration
 * PT1H). Anything else is a UsageError naming the option.
 */
export class UsageError extends Error {}

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds of a duration such as 1h30m or PT1H30M. */
export function parseDuration(text: string, option: string): number {
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text);
  if (iso && text.toUpperCase() !== "P" && !/T$/i.test(text)) {
    const [, d, h, m, s] = iso;
    return Math.round(
      Number(d ?? 0) * UNIT_MS.d! + Number(h ?? 0) * UNIT_MS.h! + Number(m ?? 0) * UNIT_MS.m! + Number(s ?? 0) * 1000,
    );
  }
  const parts = [...text.matchAll(/(\d+)(ms|d|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text)
    throw new UsageError(`${option}: a duration such as 1h, 15m, 1h30m, 500ms or PT1H, got "${text}"`);
  return parts.reduce((total, [, n, unit]) => total + Number(n) * UNIT_MS[unit!]!, 0);
}

/** Milliseconds since the epoch of `text`: digits are ms already, otherwise an ISO 8601 date-time. */
export function parseTime(text: string, option: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(
      `${option}: ms since the epoch or an ISO 8601 date-time (2026-12-08T10:00:00Z), got "${text}"`,
    );
  return ms;
}
