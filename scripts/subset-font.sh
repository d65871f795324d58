#!/usr/bin/env bash
# Rebuilds assets/fonts/NotoSansSC-Hanzi.otf: the Simplified Chinese face of Noto Sans CJK
# (SIL Open Font License 1.1, assets/fonts/OFL.txt) cut down to ASCII, Latin-1 punctuation,
# the GB2312 character set (6,763 hanzi and the GB2312 symbols) and the 8,105 characters of
# the 通用规范汉字表 (State Council, 2013: the standard list for names of people and places,
# with 1,467 characters GB2312 lacks, 273 of them outside the basic CJK block, such as 䶮 and
# 𬌗; assets/fonts/tongyong-guifan-hanzi.txt), so the cockpit ships ~4 MB instead of ~16 MB
# and renders every name written in the standard list without tofu (rarer GBK characters,
# such as 頔, are not in it).
# Needs Debian's fonts-noto-cjk (the source face) and fonttools from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
source_font=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
[ -f "$source_font" ] || apt-get install -y --no-install-recommends fonts-noto-cjk
python3 -c 'import fontTools' 2>/dev/null || python3 -m pip install --quiet fonttools
chars=$(mktemp)
python3 - "$chars" <<'PY'
import sys
out = set(chr(c) for c in range(0x20, 0x7F))
out |= set("·—–‘’“”…、。〈〉《》「」『』【】〔〕（），：；！？％＋－／×÷±≤≥≈°℃￥●○■□▲△▼▽◆◇★☆→←↑↓")
# GB2312: rows 0xA1–0xA9 are symbols, 0xB0–0xF7 the hanzi.
for hi in list(range(0xA1, 0xAA)) + list(range(0xB0, 0xF8)):
    for lo in range(0xA1, 0xFF):
        try:
            out.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
# 通用规范汉字表: one "U+XXXX<TAB>字" line per character.
for line in open("assets/fonts/tongyong-guifan-hanzi.txt", encoding="utf-8"):
    code, char = line.rstrip("\n").split("\t")
    assert int(code[2:], 16) == ord(char), line
    out.add(char)
open(sys.argv[1], "w", encoding="utf-8").write("".join(sorted(out)))
PY
# Face 2 of the collection is Simplified Chinese (SC).
python3 -m fontTools.subset "$source_font" --font-number=2 --text-file="$chars" \
  --layout-features='*' --name-IDs='*' --output-file=assets/fonts/NotoSansSC-Hanzi.otf
rm -f "$chars"
ls -l assets/fonts/NotoSansSC-Hanzi.otf
