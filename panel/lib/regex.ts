/** `/source/flags` → its parts, or undefined when the text is not written as a regex (the filter's and the rules' syntax). */
export function splitRegex(text: string): { source: string; flags: string } | undefined {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(text);
  return m ? { source: m[1], flags: m[2] } : undefined;
}
