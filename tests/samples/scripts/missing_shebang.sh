echo hello
[ -d /tmp ] && echo ok
