/** The window of insights, in days: the default, the shortest and the longest (the API's bounds and the web UI's choices). */
export const INSIGHTS_WINDOW_DAYS = { default: 30, min: 1, max: 365 } as const;
