#!/usr/bin/env python3
"""Flash and static RAM of an ARM ELF image, from its section headers:
flash = vector table + text + rodata + data (data's initial values live in
flash), static RAM = data + bss + uninit. Prints `flash ram_static`.

With `--breakdown`, also where the flash goes: the sizes of the symbols in
the flash sections, grouped by crate (and by module for `scboot`), from
the symbol table. A symbol is counted where it was emitted: a parser
inlined into a procedure step counts under `scboot::procedure`. What no
sized symbol covers (alignment, constants without a size) is
`unattributed`."""
import re, struct, sys

FLASH = (".vector_table", ".text", ".rodata", ".data")
RAM = (".data", ".bss", ".uninit")


def read(path):
    b = open(path, "rb").read()
    if b[:4] != b"\x7fELF" or b[4] != 1:
        sys.exit(f"{path}: not a 32-bit ELF")
    return b, "<" if b[5] == 1 else ">"


def sections(b, end):
    """(name, type, offset, size, link) of every section."""
    shoff, = struct.unpack_from(end + "I", b, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", b, 0x2E)
    hdrs = [struct.unpack_from(end + "IIIIIIIIII", b, shoff + i * shentsize) for i in range(shnum)]
    strtab = hdrs[shstrndx]
    names = b[strtab[4]:strtab[4] + strtab[5]]
    out = []
    for h in hdrs:
        name = names[h[0]:names.index(b"\0", h[0])].decode()
        out.append((name, h[1], h[4], h[5], h[6]))
    return out


def path_of(symbol):
    """The path segments of a legacy-mangled Rust symbol (`_ZN3foo3bar...E`),
    or `None` for anything else."""
    if not symbol.startswith("_ZN"):
        return None
    i, parts = 3, []
    while i < len(symbol) and symbol[i].isdigit():
        j = i
        while symbol[j].isdigit():
            j += 1
        n = int(symbol[i:j])
        parts.append(symbol[j:j + n])
        i = j + n
    return parts or None


def type_path(segment):
    """The crate and module of an impl's segment (`_$LT$T$u20$as$u20$Trait$GT$`,
    `_$LT$impl$u20$T$GT$`): the type's path when it has one, else the
    trait's (a generic or a built-in type implementing another crate's
    trait)."""
    inner = segment[len("_$LT$"):].replace("impl$u20$", "", 1)
    sides = inner.split("$u20$as$u20$")
    for side in sides:
        path = side.split("$LT$")[0].split("$GT$")[0].split("..")
        if len(path) > 1 and path[0].isidentifier():
            return path
    return None


def component(symbol):
    if symbol in ("__RESET_VECTOR", "__EXCEPTIONS", "__INTERRUPTS"):
        return "vector table"
    if symbol.startswith(".L"):
        return "unnamed constants (rodata)"
    if symbol.startswith("OUTLINED_FUNCTION_"):
        return "sequences outlined from all of the above (LLVM's machine outliner)"
    parts = path_of(symbol)
    if parts is None and symbol.startswith("_R"):
        # v0 mangling (the precompiled `core` and `compiler_builtins`): the
        # first crate root, `C` [disambiguator] length name.
        m = re.search(r"C(?:s[0-9A-Za-z]*_)?(\d+)", symbol)
        if m:
            n, at = int(m.group(1)), m.end()
            # An identifier that starts with `_` or a digit has a `_` before it.
            if symbol[at:at + 1] == "_":
                at += 1
            return symbol[at:at + n]
    if parts is None:
        # C-ABI symbols: the runtime's and the compiler's (memcpy, Reset, ...).
        return "runtime and compiler builtins (C symbols)"
    path = parts
    if parts[0].startswith("_$LT$"):
        path = type_path(parts[0]) or ["(generic impls)"]
    if path[0] == "scboot" and len(path) > 2:
        return f"scboot::{path[1]}"
    return path[0]


def breakdown(b, end, secs):
    flash_idx = {i for i, s in enumerate(secs) if s[0] in FLASH}
    total = sum(s[3] for s in secs if s[0] in FLASH)
    groups, seen = {}, set()
    for name, typ, off, size, link in secs:
        if typ != 2:  # SHT_SYMTAB
            continue
        strs = secs[link]
        for k in range(size // 16):
            st_name, value, st_size, info, other, shndx = struct.unpack_from(end + "IIIBBH", b, off + 16 * k)
            if st_size == 0 or shndx not in flash_idx or (value & ~1, shndx) in seen:
                continue
            seen.add((value & ~1, shndx))
            s = b[strs[2] + st_name:b.index(b"\0", strs[2] + st_name)].decode(errors="replace")
            g = component(s)
            groups[g] = groups.get(g, 0) + st_size
    groups["unattributed"] = total - sum(groups.values())
    return total, sorted(groups.items(), key=lambda kv: -kv[1])


def main():
    b, end = read(sys.argv[1])
    secs = sections(b, end)
    sizes = {s[0]: s[3] for s in secs}
    flash = sum(sizes.get(s, 0) for s in FLASH)
    ram = sum(sizes.get(s, 0) for s in RAM)
    print(flash, ram)
    if "--breakdown" in sys.argv[2:]:
        total, groups = breakdown(b, end, secs)
        for g, n in groups:
            print(f"  {n:6d} B  {100 * n / total:4.1f} %  {g}")


main()
