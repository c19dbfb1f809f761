# SPDX-License-Identifier: GPL-2.0-only
# cmake -DIN=FILE -DOUT=FILE.c -DNAME=SYMBOL -P embed.cmake
# Writes FILE's bytes as a NUL-terminated C array `const char SYMBOL[]`, so a script or a
# stylesheet can be kept and checked as its own file and still ship inside the binary.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "(..)" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}" "/* Generated from ${IN}; do not edit. */\nconst char ${NAME}[] = {${bytes}0x00};\n")
