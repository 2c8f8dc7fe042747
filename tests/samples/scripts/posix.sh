#!/bin/sh
set -eu
. /etc/os-release
log() {
  local msg="$1"
  echo "[setup] $msg" >&2
}
name=${USER:-vscode}
base=${0##*/}
echo "${#name} ${name%%x*} $((1 << 2))"
if [ "$name" = root ] && [ -d /tmp ]; then log "root"; fi
case $name in
  v*) echo v ;;
  *) echo other ;;
esac
out=$(ls /tmp 2>&1 | head -n 1)
echo -e "tab\there"
cmd_exists() { command -v "$1" >/dev/null 2>&1; }
cat <<-EOF
	base=$base
	EOF
while read -r line; do echo "$line"; done < /etc/hostname
