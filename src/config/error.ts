/** A configuration problem: one line naming the setting and what is expected (the process exits 78). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
