#!/usr/bin/env -S bash -e
echo "setting up"
cd /tmp || exit 1
echo "ready"
