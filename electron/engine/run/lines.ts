// Splits a stream of text chunks into lines. rsync ends progress lines with `\r` (it redraws them),
// so `\r`, `\n` and `\r\n` all end a line; empty lines are dropped.

export interface LineSplitter {
  push(chunk: string): void;
  /** Flushes a last line that had no terminator. */
  end(): void;
}

export function splitLines(onLine: (line: string) => void): LineSplitter {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk).split(/\r\n|\r|\n/);
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.length > 0) onLine(p);
    },
    end() {
      if (rest.length > 0) onLine(rest);
      rest = '';
    },
  };
}
