#!/bin/sh
# every construct dash rejects, one per line
[[ -n "$HOME" ]] && echo home
pkgs=(git curl)
echo "${pkgs[1]}"
function f() { echo f; }
function g { echo g; }
source /etc/profile
if [ "$HOME" == /root ]; then echo root; fi
set -o pipefail
cat <<< hello
ls &> /dev/null
IFS=$'\n'
(( n = 1 + 2 ))
for ((i = 0; i < 2; i++)); do echo "$i"; done
x=abcdef; echo "${x:0:1}"
echo "${x//a/b}"
echo "${x^^}"
ref=x; echo "${!ref}"
declare -r y=1
typeset z=1
pushd /tmp
popd
let n=n+1
x+=ghi
