"""Writes the byte-exact sample scripts next to this file: `python tests/samples/scripts/generate.py`.

The bytes live here (not only in the committed files) so that CRLF, BOM, NBSP, UTF-16 and NUL
content survives editors and git settings; tests/test_shell_scripts.py checks the files match.
"""

from __future__ import annotations

from pathlib import Path

BOM = b"\xef\xbb\xbf"
BODY = b'echo "setting up"\ncd /tmp || exit 1\necho "ready"\n'

SAMPLES: dict[str, bytes] = {
    # --- one sample per problem code -------------------------------------------------------
    "missing_shebang.sh": b"echo hello\n[ -d /tmp ] && echo ok\n",
    "bom.sh": BOM + b"#!/bin/bash\n" + BODY,
    "bom_crlf.sh": BOM + (b"#!/bin/bash\n" + BODY).replace(b"\n", b"\r\n"),
    "utf16.sh": ("#!/bin/bash\n" + BODY.decode()).encode("utf-16"),
    "utf16be_nobom.sh": ("#!/bin/bash\n" + BODY.decode()).encode("utf-16-be"),
    "crlf.sh": (b"#!/bin/bash\n" + BODY).replace(b"\n", b"\r\n"),
    "crlf_env.sh": (b"#!/usr/bin/env bash\n" + BODY).replace(b"\n", b"\r\n"),
    "crlf_line1_only.sh": b"#!/bin/bash\r\n" + BODY,
    "crlf_line2_only.sh": b"#!/bin/bash\necho one\r\necho two\n",
    "cr_only.sh": b"#!/bin/sh\recho hi\recho there\r",
    "leading_space.sh": b"  #!/bin/bash\n" + BODY,
    "leading_tab.sh": b"\t#!/bin/bash\n" + BODY,
    "blank_then_shebang.sh": b"\n#!/bin/bash\n" + BODY,
    "comment_then_shebang.sh": b"# Set up the course tools\n#!/bin/bash\n" + BODY,
    "spaces_line_then_shebang.sh": b"   \n#!/bin/bash\n" + BODY,
    "bang_hash.sh": b"!#/bin/bash\n" + BODY,
    "hash_space_bang.sh": b"# !/bin/bash\n" + BODY,
    "missing_bang.sh": b"#/bin/bash\n" + BODY,
    "missing_hash.sh": b"!/bin/bash\n" + BODY,
    "env_args.sh": b"#!/usr/bin/env bash -e\n" + BODY,
    "multiple_args.sh": b"#!/bin/bash -e -u\n" + BODY,
    "relative_interpreter.sh": b"#!bash\n" + BODY,
    "too_long.sh": b"#!/opt/" + b"very-long-directory-name/" * 11 + b"bin/bash\n" + BODY,
    "nbsp.sh": b"#!/usr/bin/env\xc2\xa0bash\n" + BODY,
    "bang_alone.sh": b"#!\n" + BODY,
    "empty.sh": b"",
    "bashism_sh.sh": b'#!/bin/sh\nset -e\nif [[ -f /etc/os-release ]]; then\n  echo "found"\nfi\n',
    "bashism_ash.sh": b"#!/bin/ash\nsource /etc/profile\necho ok\n",
    "bash_arrays.sh": b'#!/bin/bash\npkgs=(git curl)\necho "${pkgs[0]}"\n',
    "no_shebang_bashisms.sh": b"set -euo pipefail\nif [[ -n \"$HOME\" ]]; then echo home; fi\n",
    "bashisms_all.sh": (
        b"#!/bin/sh\n"
        b"# every construct dash rejects, one per line\n"
        b"[[ -n \"$HOME\" ]] && echo home\n"  # 3
        b"pkgs=(git curl)\n"  # 4
        b'echo "${pkgs[1]}"\n'  # 5
        b"function f() { echo f; }\n"  # 6
        b"function g { echo g; }\n"  # 7
        b"source /etc/profile\n"  # 8
        b'if [ "$HOME" == /root ]; then echo root; fi\n'  # 9
        b"set -o pipefail\n"  # 10
        b"cat <<< hello\n"  # 11
        b"ls &> /dev/null\n"  # 12
        b"IFS=$'\\n'\n"  # 13
        b"(( n = 1 + 2 ))\n"  # 14
        b"for ((i = 0; i < 2; i++)); do echo \"$i\"; done\n"  # 15
        b'x=abcdef; echo "${x:0:1}"\n'  # 16
        b'echo "${x//a/b}"\n'  # 17
        b'echo "${x^^}"\n'  # 18
        b'ref=x; echo "${!ref}"\n'  # 19
        b"declare -r y=1\n"  # 20
        b"typeset z=1\n"  # 21
        b"pushd /tmp\n"  # 22
        b"popd\n"  # 23
        b"let n=n+1\n"  # 24
        b"x+=ghi\n"  # 25
    ),
    # --- what must NOT be flagged -----------------------------------------------------------
    "heredoc_cr.sh": (
        b"#!/bin/bash\ncat <<'EOF' > /tmp/win.txt\nline one\r\nline two\r\nEOF\n"
        b"cat <<-EOF2\n\tindented\r\n\tEOF2\necho done\n"
    ),
    "words_in_comments_strings.sh": (
        b"#!/bin/sh\n"
        b"# [[ -f x ]] and source and function f { } and arr=(1 2) are only mentioned here\n"
        b'echo "use [[ ]] in bash, not sh; source is bash, and so is arr=(1)"\n'
        b"echo '${x:0:1} ${x//a/b} <<< &> (( )) let declare pushd'\n"
        b"cat <<EOF\n[[ -n x ]] && source y\nfunction f { :; }\nEOF\n"
        b"echo done # set -o pipefail\n"
    ),
    "posix.sh": (
        b"#!/bin/sh\n"
        b"set -eu\n"
        b". /etc/os-release\n"
        b"log() {\n  local msg=\"$1\"\n  echo \"[setup] $msg\" >&2\n}\n"
        b'name=${USER:-vscode}\nbase=${0##*/}\necho "${#name} ${name%%x*} $((1 << 2))"\n'
        b'if [ "$name" = root ] && [ -d /tmp ]; then log "root"; fi\n'
        b"case $name in\n  v*) echo v ;;\n  *) echo other ;;\nesac\n"
        b"out=$(ls /tmp 2>&1 | head -n 1)\n"
        b"echo -e \"tab\\there\"\n"
        b"cmd_exists() { command -v \"$1\" >/dev/null 2>&1; }\n"
        b"cat <<-EOF\n\tbase=$base\n\tEOF\n"
        b"while read -r line; do echo \"$line\"; done < /etc/hostname\n"
    ),
    "env_split.sh": b"#!/usr/bin/env -S bash -e\n" + BODY,
    "binary.sh": b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4,
    "sourced_snippet.sh": b'export PATH="$HOME/.local/bin:$PATH"\nalias ll="ls -l"\n',
    "space_after_bang.sh": b"#! /bin/bash\n" + BODY,
    "trailing_blanks.sh": b"#!/bin/bash  \t\n" + BODY,
    "bash_e.sh": b"#!/bin/bash -e\n" + BODY,
    "second_shebang.sh": b"#!/bin/bash\necho one\n#!/bin/sh\necho two\n",
    "python_tool.sh": b"#!/usr/bin/env python3\nx=(1, 2)\nprint(x)\n",
    "no_trailing_newline.sh": b"#!/bin/bash\r\necho last",
}


def main() -> None:
    here = Path(__file__).parent
    for name, data in SAMPLES.items():
        (here / name).write_bytes(data)


if __name__ == "__main__":
    main()
