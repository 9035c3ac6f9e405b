/**
 * Text from the model reaches the terminal (progress, summaries, problems). It is
 * untrusted: an answer could carry escape sequences that move the cursor, rewrite the
 * screen or set the window title. Control characters other than newline and tab are
 * shown as visible escapes instead of being sent to the terminal.
 */
// C0 controls except \t and \n, DEL, and the C1 range (which some terminals obey too).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
