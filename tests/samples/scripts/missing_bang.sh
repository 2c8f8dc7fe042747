#/bin/bash
echo "setting up"
cd /tmp || exit 1
echo "ready"
