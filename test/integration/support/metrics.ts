/** Reads one sample of a Prometheus text exposition (the first line for `name`, optionally with labels). */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    if (labels && !(m[2] ?? '').includes(labels)) continue;
    return Number(m[3]);
  }
  return undefined;
}
