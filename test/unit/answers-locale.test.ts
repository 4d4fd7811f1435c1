import { describe, expect, it } from 'vitest';
import { isValidLocale, localeFromCmdline, splitCmdline } from '../../electron/engine/answers/locale.ts';

describe('localeFromCmdline', () => {
  it.each([
    ['BOOT_IMAGE=/boot/vmlinuz root=livekit:CDLABEL=LIVEKIT livekit.boot=desktop LANG=zh_CN.UTF-8 quiet', 'zh_CN.UTF-8'],
    ['LANG=zh_TW.UTF-8', 'zh_TW.UTF-8'],
    ['quiet LANG="zh_CN.UTF-8" splash', 'zh_CN.UTF-8'],
    ['quiet "LANG=en_GB.UTF-8" splash', 'en_GB.UTF-8'],
    ['root=/dev/sda1 LANG=C.UTF-8', 'C.UTF-8'],
    ['LANG=en_US.UTF-8 LANG=zh_CN.UTF-8', 'zh_CN.UTF-8'], // the later one (GRUB appends its choice)
    ['acpi="a b" LANG=sr_RS.UTF-8@latin', 'sr_RS.UTF-8@latin'],
    ['\tLANG=de_DE.utf8\n', 'de_DE.utf8'],
  ])('%j → %s', (cmdline, locale) => {
    expect(localeFromCmdline(cmdline)).toBe(locale);
  });

  it.each([
    ['root=/dev/sda1 quiet'],
    [''],
    ['LANG='],
    ['LANG=zh_CN'], // no charset
    ['LANG=zh_CN.GBK'],
    ['LANG=$(reboot)'],
    ['XLANG=zh_CN.UTF-8'],
    ['mylang.LANG=zh_CN.UTF-8'],
    ['init=/bin/sh -- LANG=zh_CN.UTF-8'], // after --: arguments of init, not its environment
    ['foo="x LANG=zh_CN.UTF-8"'], // inside another argument's quotes
  ])('%j → undefined', (cmdline) => {
    expect(localeFromCmdline(cmdline)).toBeUndefined();
  });

  it('splits like the kernel: spaces separate, double quotes group', () => {
    expect(splitCmdline(' a  b="c d" "e f" g')).toEqual(['a', 'b=c d', 'e f', 'g']);
  });
});

describe('isValidLocale', () => {
  it.each(['en_US.UTF-8', 'zh_CN.UTF-8', 'zh_TW.UTF-8', 'C.UTF-8', 'ast_ES.UTF-8', 'de_DE.utf8', 'sr_RS.UTF-8@latin'])('accepts %s', (l) => {
    expect(isValidLocale(l)).toBe(true);
  });
  it.each(['', 'en', 'en_US', 'en-US.UTF-8', 'EN_us.UTF-8', 'zh_CN.GB2312', 'C', 'POSIX', 'en_US.UTF-8 ', 'en_US.UTF-8\nX=1', '../en_US.UTF-8'])(
    'refuses %j',
    (l) => {
      expect(isValidLocale(l)).toBe(false);
    },
  );
});
