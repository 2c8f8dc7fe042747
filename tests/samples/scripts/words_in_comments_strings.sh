#!/bin/sh
# [[ -f x ]] and source and function f { } and arr=(1 2) are only mentioned here
echo "use [[ ]] in bash, not sh; source is bash, and so is arr=(1)"
echo '${x:0:1} ${x//a/b} <<< &> (( )) let declare pushd'
cat <<EOF
[[ -n x ]] && source y
function f { :; }
EOF
echo done # set -o pipefail
