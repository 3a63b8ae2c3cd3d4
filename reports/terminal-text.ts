// Strings from results files are untrusted: control characters (terminal escape sequences) are
// replaced before printing.
export function sanitizeTerminal(s: string): string {
  // C0, DEL and C1 controls and bidi overrides: an ESC in a hostname must not drive the reader's terminal.
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?');
}
