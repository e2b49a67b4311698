#!/usr/bin/env python3
"""Flash and static RAM of an ARM ELF image, from its section headers:
flash = vector table + text + rodata + data (data's initial values live in
flash), static RAM = data + bss + uninit. Prints `flash ram_static`."""
import struct, sys

def sections(path):
    b = open(path, "rb").read()
    if b[:4] != b"\x7fELF" or b[4] != 1:
        sys.exit(f"{path}: not a 32-bit ELF")
    end = "<" if b[5] == 1 else ">"
    shoff, = struct.unpack_from(end + "I", b, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", b, 0x2E)
    hdrs = [struct.unpack_from(end + "IIIIIIIIII", b, shoff + i * shentsize) for i in range(shnum)]
    strtab = hdrs[shstrndx]
    names = b[strtab[4]:strtab[4] + strtab[5]]
    for h in hdrs:
        name = names[h[0]:names.index(b"\0", h[0])].decode()
        yield name, h[5]

sizes = dict(sections(sys.argv[1]))
flash = sum(sizes.get(s, 0) for s in (".vector_table", ".text", ".rodata", ".data"))
ram = sum(sizes.get(s, 0) for s in (".data", ".bss", ".uninit"))
print(flash, ram)
