// Which physical keys a person presses to type a text on a given keyboard layout, as QEMU key codes
// (qcodes name the key by its place on a US keyboard: `y` is the key right of `t`). A German person
// typing "z" presses the key QEMU calls `y`. Only what the boot tests type is mapped; anything else
// throws rather than guessing.

export type Layout = 'us' | 'de';

/** Characters typed without Shift (US names of the keys), and with Shift. */
const US_PLAIN: Record<string, string> = { ' ': 'spc', '-': 'minus', '.': 'dot', ',': 'comma', '/': 'slash', '=': 'equal' };
const US_SHIFT: Record<string, string> = { '!': '1', '@': '2', '#': '3', '$': '4', '%': '5', '_': 'minus', '?': 'slash', ':': 'semicolon', '+': 'equal' };
/** German (de, pc105) layout: the keys that differ from US for the characters we type. */
const DE_PLAIN: Record<string, string> = { ' ': 'spc', y: 'z', z: 'y', '-': 'slash', '.': 'dot', ',': 'comma', '#': 'backslash', '+': 'bracket_right' };
const DE_SHIFT: Record<string, string> = { '!': '1', '"': '2', '$': '4', '%': '5', '&': '6', '/': '7', '=': '0', '?': 'minus', ':': 'dot', _: 'slash', Y: 'z', Z: 'y' };

/** One entry per character: the keys held together (Shift first when needed). */
export function keyPresses(text: string, layout: Layout): string[][] {
  const plain = layout === 'de' ? DE_PLAIN : US_PLAIN;
  const shifted = layout === 'de' ? DE_SHIFT : US_SHIFT;
  return [...text].map((ch) => {
    if (plain[ch]) return [plain[ch]];
    if (shifted[ch]) return ['shift', shifted[ch]];
    if (/^[a-z0-9]$/.test(ch)) return [ch];
    if (/^[A-Z]$/.test(ch)) return ['shift', ch.toLowerCase()];
    throw new Error(`no key for ${JSON.stringify(ch)} on the ${layout} layout in key-presses.ts`);
  });
}
