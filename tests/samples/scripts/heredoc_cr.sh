#!/bin/bash
cat <<'EOF' > /tmp/win.txt
line one
line two
EOF
cat <<-EOF2
	indented
	EOF2
echo done
